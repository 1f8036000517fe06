/** A provider key format: the class it yields and a pattern whose whole match (or group 1) is the secret. */
export interface ProviderPattern {
  readonly class: string;
  readonly pattern: RegExp;
  readonly confidence: number;
  /** Literals, one of which every match contains: the pattern runs only when `text.includes` finds one (no regex pass). */
  readonly needle: readonly string[];
}

const END = '(?![A-Za-z0-9_-])';

// Ordered: more specific prefixes first (sk-ant- before sk-), overlaps are resolved by the pipeline anyway.
/** Provider API key and token formats. */
export const PROVIDER_PATTERNS: readonly ProviderPattern[] = [
  {
    class: 'secret.aws_access_key',
    needle: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
    confidence: 0.95,
    pattern: new RegExp(`(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])`, 'g'),
  },
  {
    class: 'secret.gcp_api_key',
    needle: ['AIza'],
    confidence: 0.95,
    pattern: new RegExp(`(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}${END}`, 'g'),
  },
  {
    class: 'secret.github_token',
    needle: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    confidence: 0.97,
    pattern: new RegExp(`(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}${END}`, 'g'),
  },
  {
    class: 'secret.github_token',
    needle: ['github_pat_'],
    confidence: 0.97,
    pattern: new RegExp(`(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{50,255}${END}`, 'g'),
  },
  {
    class: 'secret.gitlab_token',
    needle: ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glcbt-', 'gloas-', 'glsoat-', 'glft-', 'glimt-', 'glagent-'],
    confidence: 0.95,
    pattern: new RegExp(`(?<![A-Za-z0-9_])gl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt|agent)-[A-Za-z0-9_-]{20,}${END}`, 'g'),
  },
  {
    class: 'secret.stripe_key',
    needle: ['k_live_', 'k_test_'],
    confidence: 0.95,
    pattern: new RegExp(`(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}${END}`, 'g'),
  },
  {
    class: 'secret.stripe_key',
    needle: ['whsec_'],
    confidence: 0.9,
    pattern: new RegExp(`(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{24,}${END}`, 'g'),
  },
  {
    class: 'secret.slack_token',
    needle: ['xox'],
    confidence: 0.95,
    // Bot, user, legacy workspace, configuration and refresh tokens (the shapes of gitleaks' slack rules).
    pattern: new RegExp(
      `(?<![A-Za-z0-9_])(?:xoxb-\\d{10,13}-\\d{10,13}(?:-[A-Za-z0-9]{20,40})?|xox[pe](?:-\\d{10,13}){3}-[A-Za-z0-9]{28,34}|xox[osar]-\\d+-\\d+-\\d+-[a-fA-F0-9]{8,}|xoxe\\.xox[bp]-\\d-[A-Z0-9]{163,166}|xoxe-\\d-[A-Z0-9]{146})${END}`,
      'g',
    ),
  },
  {
    class: 'secret.slack_token',
    needle: ['xapp-'],
    confidence: 0.95,
    pattern: new RegExp(`(?<![A-Za-z0-9_])xapp-\\d-[A-Z0-9]+-\\d+-[a-z0-9]+${END}`, 'g'),
  },
  {
    class: 'secret.slack_webhook',
    needle: ['hooks.slack.com'],
    confidence: 0.95,
    pattern: /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,}/g,
  },
  {
    class: 'secret.twilio_key',
    needle: ['SK'],
    confidence: 0.8,
    pattern: /(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![A-Za-z0-9])/g,
  },
  {
    class: 'secret.sendgrid_key',
    needle: ['SG.'],
    confidence: 0.97,
    pattern: new RegExp(`(?<![A-Za-z0-9_])SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}${END}`, 'g'),
  },
  {
    class: 'secret.anthropic_key',
    needle: ['sk-ant-'],
    confidence: 0.97,
    pattern: new RegExp(`(?<![A-Za-z0-9_])sk-ant-[A-Za-z0-9_-]{20,}${END}`, 'g'),
  },
  {
    class: 'secret.openai_key',
    needle: ['sk-'],
    confidence: 0.9,
    pattern: new RegExp(`(?<![A-Za-z0-9_])sk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}${END}`, 'g'),
  },
  {
    class: 'secret.huggingface_token',
    needle: ['hf_'],
    confidence: 0.9,
    pattern: new RegExp(`(?<![A-Za-z0-9_])hf_[A-Za-z]{30,40}${END}`, 'g'),
  },
  {
    class: 'secret.npm_token',
    needle: ['npm_'],
    confidence: 0.95,
    pattern: new RegExp(`(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}${END}`, 'g'),
  },
  {
    class: 'secret.azure_storage_key',
    needle: ['AccountKey='],
    confidence: 0.95,
    pattern: /AccountKey=([A-Za-z0-9+/]{86}==)/g,
  },
  {
    class: 'secret.azure_connection_string',
    needle: ['SharedAccessKey='],
    confidence: 0.95,
    pattern: /SharedAccessKey=([A-Za-z0-9+/]{40,}={0,2})/g,
  },
  {
    class: 'secret.azure_connection_string',
    needle: ['sig='],
    confidence: 0.85,
    pattern: /[?&]sig=([A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})/g,
  },
  {
    class: 'secret.mailgun_key',
    needle: ['key-'],
    confidence: 0.7,
    pattern: /(?<![A-Za-z0-9_-])key-[0-9a-f]{32}(?![A-Za-z0-9])/g,
  },
  {
    class: 'secret.google_oauth_secret',
    needle: ['GOCSPX-'],
    confidence: 0.95,
    pattern: new RegExp(`GOCSPX-[A-Za-z0-9_-]{28}${END}`, 'g'),
  },
  {
    class: 'secret.shopify_token',
    needle: ['shpat_', 'shpca_', 'shppa_', 'shpss_'],
    confidence: 0.95,
    pattern: /(?<![A-Za-z0-9_])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])/g,
  },
  {
    class: 'secret.pypi_token',
    needle: ['pypi-'],
    confidence: 0.95,
    pattern: new RegExp(`pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}${END}`, 'g'),
  },
  {
    class: 'secret.digitalocean_token',
    needle: ['doo_v1_', 'dop_v1_', 'dor_v1_'],
    confidence: 0.95,
    pattern: /(?<![A-Za-z0-9_])do[opr]_v1_[a-f0-9]{64}(?![A-Za-z0-9])/g,
  },
];
