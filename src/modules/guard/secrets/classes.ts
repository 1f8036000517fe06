/** Name recorded in `Finding.detector` for the secret scanner. */
export const SECRETS_DETECTOR = 'secrets-rules';
