/** The built-in deterministic chat model: answers without any API key, and says so. */
export const LOCAL_CHAT_MODEL = 'bulwark-local-chat';
/** The built-in deterministic embedding model (hashed n-grams, L2-normalised). */
export const LOCAL_EMBED_MODEL = 'bulwark-local-embed';
/** Vector size of the built-in embedding model when the request names no `dimensions`. */
export const LOCAL_EMBED_DIMENSIONS = 256;
/** The label every built-in answer starts with, so nobody mistakes it for a real model. */
export const LOCAL_LABEL =
  "[bulwark-local] Bulwark's built-in deterministic model answered; no model provider was called.";
