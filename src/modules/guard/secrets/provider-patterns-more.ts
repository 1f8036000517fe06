import type { ProviderPattern } from './provider-patterns.js';

const END = '(?![A-Za-z0-9_-])';
// Not after '.' or '/' either: short prefixes (`ico-`, `sl.`, `pat.`) otherwise match inside file names and paths.
const B = '(?<![A-Za-z0-9_./-])';
const p = (cls: string, needle: readonly string[], source: string, confidence = 0.92): ProviderPattern => ({
  class: cls,
  needle,
  confidence,
  pattern: new RegExp(source, 'g'),
});

/**
 * Further provider formats, one general shape per credential family (prefix, alphabet, length), after the default rule
 * sets of gitleaks and secretlint: cloud, VCS and CI, payment, messaging, AI providers, package registries,
 * observability and SaaS tokens. Shapes without a prefix of their own need context and live in detect-provider-keys.
 */
export const MORE_PROVIDER_PATTERNS: readonly ProviderPattern[] = [
  // Cloud
  p('secret.aws_bedrock_key', ['ABSK'], `${B}ABSK[A-Za-z0-9+/]{100,}={0,2}`, 0.9),
  p(
    'secret.azure_ad_client_secret',
    ['Q~'],
    `(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])`,
    0.9,
  ),
  p('secret.alibaba_key', ['LTAI'], `${B}LTAI[A-Za-z0-9]{17,21}${END}`, 0.9),
  p('secret.gcp_oauth_token', ['ya29.'], `${B}ya29\\.[A-Za-z0-9_-]{30,}${END}`, 0.9),
  p('secret.digitalocean_token', ['dop_v1_'], `${B}do[opr]_v1_[a-f0-9]{64}${END}`, 0.95),
  p(
    'secret.flyio_token',
    ['fo1_', 'FlyV1 fm'],
    `(?:${B}fo1_[A-Za-z0-9_-]{43}|FlyV1 fm\\d+_[A-Za-z0-9+/=,_-]{100,})${END}`,
    0.9,
  ),
  p('secret.heroku_key', ['HRKU-'], `${B}HRKU-[A-Za-z0-9_-]{60}${END}`, 0.92),
  p('secret.supabase_token', ['sbp_'], `${B}sbp_[a-f0-9]{40}${END}`, 0.92),
  p('secret.vercel_token', ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'], `${B}vc[pirak]_[A-Za-z0-9]{24,}${END}`, 0.85),
  p('secret.cloudflare_origin_ca_key', ['v1.0-'], `${B}v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}${END}`, 0.92),
  p('secret.terraform_token', ['.atlasv1.'], `${B}[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70}${END}`, 0.95),
  p('secret.pulumi_token', ['pul-'], `${B}pul-[a-f0-9]{40}${END}`, 0.92),
  p(
    'secret.doppler_token',
    ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'],
    `${B}dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,44}${END}`,
    0.95,
  ),
  p('secret.vault_token', ['hvs.', 'hvb.', 'hvr.'], `${B}hv[sbr]\\.[A-Za-z0-9_-]{24,}${END}`, 0.9),
  p('secret.age_secret_key', ['AGE-SECRET-KEY-1'], `AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`, 0.97),
  p('secret.onepassword_token', ['ops_eyJ'], `${B}ops_eyJ[A-Za-z0-9+/]{250,}={0,3}`, 0.95),
  p(
    'secret.onepassword_secret_key',
    ['A3-'],
    `${B}A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}${END}`,
    0.9,
  ),
  // VCS, CI, developer platforms
  p('secret.bitbucket_token', ['ATBB'], `${B}ATBB[A-Za-z0-9_=.-]{28,}${END}`, 0.92),
  p('secret.atlassian_token', ['ATATT3', 'ATCTT3'], `${B}AT[AC]TT3[A-Za-z0-9_=-]{180,}${END}`, 0.95),
  p('secret.gitea_token', ['gitea_'], `${B}gitea_[a-f0-9]{40}${END}`, 0.9),
  p('secret.sourcegraph_token', ['sgp_'], `${B}sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}${END}`, 0.92),
  p('secret.buildkite_token', ['bkua_'], `${B}bkua_[a-f0-9]{40}${END}`, 0.92),
  p('secret.circleci_token', ['CCIPAT_'], `${B}CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}${END}`, 0.92),
  p('secret.sonarqube_token', ['squ_', 'sqp_', 'sqa_'], `${B}sq[upa]_[a-f0-9]{40}${END}`, 0.9),
  p('secret.postman_key', ['PMAK-'], `${B}PMAK-[a-f0-9]{24}-[a-f0-9]{34}${END}`, 0.95),
  p('secret.linear_key', ['lin_api_'], `${B}lin_api_[A-Za-z0-9]{40}${END}`, 0.95),
  p(
    'secret.notion_token',
    ['ntn_', 'secret_'],
    `${B}(?:ntn_\\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})${END}`,
    0.85,
  ),
  p('secret.planetscale_token', ['pscale_'], `${B}pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,64}${END}`, 0.95),
  p('secret.prefect_token', ['pnu_'], `${B}pnu_[A-Za-z0-9]{36}${END}`, 0.92),
  p('secret.readme_key', ['rdme_'], `${B}rdme_[a-z0-9]{70}${END}`, 0.92),
  p('secret.intra42_secret', ['s-s4t2'], `${B}s-s4t2(?:ud|af)-[a-f0-9]{64}${END}`, 0.95),
  p(
    'secret.harness_token',
    ['pat.', 'sat.'],
    `${B}(?:pat|sat)\\.[A-Za-z0-9_-]{22}\\.[a-f0-9]{24}\\.[A-Za-z0-9]{20}${END}`,
    0.92,
  ),
  p('secret.infracost_key', ['ico-'], `${B}ico-[A-Za-z0-9]{32}${END}`, 0.9),
  p('secret.scalingo_token', ['tk-us-'], `${B}tk-us-[A-Za-z0-9_-]{48}${END}`, 0.92),
  p('secret.contentful_token', ['CFPAT-'], `${B}CFPAT-[A-Za-z0-9_-]{43}${END}`, 0.92),
  p('secret.figma_token', ['figd_'], `${B}figd_[A-Za-z0-9_-]{40}${END}`, 0.92),
  p('secret.typeform_token', ['tfp_'], `${B}tfp_[A-Za-z0-9_.=-]{59}${END}`, 0.92),
  p('secret.dropbox_token', ['sl.'], `${B}sl\\.[A-Za-z0-9_-]{130,152}${END}`, 0.85),
  p('secret.asana_token', ['2/', '1/'], `${B}[12]/\\d{16}/\\d{16}:[a-f0-9]{32}${END}`, 0.9),
  // Package registries
  p('secret.rubygems_key', ['rubygems_'], `${B}rubygems_[a-f0-9]{48}${END}`, 0.95),
  p('secret.nuget_key', ['oy2'], `${B}oy2[a-z0-9]{43}${END}`, 0.85),
  p('secret.dockerhub_token', ['dckr_pat_', 'dckr_oat_'], `${B}dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,}${END}`, 0.95),
  p('secret.jfrog_key', ['AKCp'], `${B}AKCp[A-Za-z0-9]{69}${END}`, 0.9),
  p('secret.clojars_token', ['CLOJARS_'], `${B}CLOJARS_[a-z0-9]{60}${END}`, 0.95),
  p('secret.cratesio_token', ['cio'], `${B}cio[A-Za-z0-9]{32}${END}`, 0.7),
  // Payment
  p(
    'secret.square_token',
    ['sq0atp-', 'sq0csp-', 'EAAA'],
    `${B}(?:sq0atp-[A-Za-z0-9_-]{22}|sq0csp-[A-Za-z0-9_-]{43}|EAAA[A-Za-z0-9_-]{60})${END}`,
    0.9,
  ),
  p(
    'secret.paypal_token',
    ['access_token$'],
    `access_token\\$(?:production|sandbox)\\$[a-z0-9]{16}\\$[a-f0-9]{32}`,
    0.95,
  ),
  p('secret.flutterwave_key', ['FLWSECK', 'FLWPUBK'], `${B}FLW(?:SECK|PUBK)(?:_TEST)?-[a-f0-9]{32}-X${END}`, 0.95),
  p('secret.razorpay_key', ['rzp_live_', 'rzp_test_'], `${B}rzp_(?:live|test)_[A-Za-z0-9]{14}${END}`, 0.85),
  p(
    'secret.plaid_token',
    ['access-production-', 'access-sandbox-', 'access-development-'],
    `${B}access-(?:production|sandbox|development)-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}${END}`,
    0.92,
  ),
  p('secret.adyen_key', ['AQE'], `${B}AQE[a-zA-Z0-9]{3}\\+?[A-Za-z0-9+/]{60,}={0,2}`, 0.8),
  p('secret.coinbase_key', ['organizations/'], `organizations/[a-f0-9-]{36}/apiKeys/[a-f0-9-]{36}`, 0.85),
  p('secret.shippo_token', ['shippo_live_', 'shippo_test_'], `${B}shippo_(?:live|test)_[a-f0-9]{40}${END}`, 0.95),
  p('secret.easypost_key', ['EZAK', 'EZTK'], `${B}EZ[AT]K[a-zA-Z0-9]{54}${END}`, 0.92),
  p('secret.duffel_token', ['duffel_live_', 'duffel_test_'], `${B}duffel_(?:live|test)_[A-Za-z0-9_=-]{43}${END}`, 0.95),
  // Messaging, social, e-mail
  p(
    'secret.discord_webhook',
    ['discord'],
    `https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/\\d{17,20}/[A-Za-z0-9_-]{60,68}`,
    0.95,
  ),
  p('secret.telegram_bot_token', [':AA'], `(?<![A-Za-z0-9_:-])\\d{8,10}:AA[A-Za-z0-9_-]{32,33}${END}`, 0.92),
  p('secret.twilio_sid', ['AC'], `(?<![A-Za-z0-9])AC[a-f0-9]{32}(?![A-Za-z0-9])`, 0.6),
  p(
    'secret.sendinblue_key',
    ['xkeysib-', 'xsmtpsib-'],
    `${B}x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}${END}`,
    0.95,
  ),
  p('secret.mailchimp_key', ['-us'], `(?<![A-Za-z0-9])[a-f0-9]{32}-us\\d{1,2}(?![A-Za-z0-9])`, 0.85),
  p('secret.mailgun_key', ['pubkey-'], `${B}pubkey-[a-f0-9]{32}${END}`, 0.7),
  p('secret.facebook_token', ['EAA'], `(?<![A-Za-z0-9])EAA[MC][A-Za-z0-9]{90,}(?![A-Za-z0-9])`, 0.9),
  p('secret.facebook_app_token', ['|'], `(?<![0-9])\\d{15,16}\\|[A-Za-z0-9_-]{27}(?![A-Za-z0-9_-])`, 0.8),
  p('secret.twitter_bearer', ['AAAAAAAAAAAAAAAAAAAA'], `${B}A{20,22}[A-Za-z0-9%]{30,100}${END}`, 0.85),
  p('secret.mapbox_token', ['sk.eyJ'], `${B}sk\\.eyJ[A-Za-z0-9_-]{50,}\\.[A-Za-z0-9_-]{20,}${END}`, 0.95),
  p('secret.lob_key', ['live_', 'test_'], `${B}(?:live|test)_(?:pub_)?[a-f0-9]{35}${END}`, 0.7),
  p('secret.frameio_token', ['fio-u-'], `${B}fio-u-[A-Za-z0-9_=-]{64}${END}`, 0.95),
  p(
    'secret.sentry_token',
    ['sntrys_', 'sntryu_'],
    `${B}(?:sntrys_eyJ[A-Za-z0-9+/=_-]{60,}|sntryu_[a-f0-9]{64})${END}`,
    0.95,
  ),
  // Observability
  p('secret.newrelic_key', ['NRAK-', 'NRII-', 'NRJS-', 'NRAA-'], `${B}NR(?:AK|II|JS|AA)-[A-Z0-9]{19,27}${END}`, 0.9),
  p('secret.dynatrace_token', ['dt0c01.'], `${B}dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}${END}`, 0.95),
  p(
    'secret.grafana_token',
    ['glc_', 'glsa_', 'eyJrIjoi'],
    `${B}(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9]{70,400}={0,2})${END}`,
    0.9,
  ),
  // AI providers
  p('secret.groq_key', ['gsk_'], `${B}gsk_[A-Za-z0-9]{48,52}${END}`, 0.92),
  p('secret.replicate_token', ['r8_'], `${B}r8_[A-Za-z0-9]{37}${END}`, 0.9),
  p('secret.perplexity_key', ['pplx-'], `${B}pplx-[A-Za-z0-9]{48}${END}`, 0.92),
  p('secret.xai_key', ['xai-'], `${B}xai-[A-Za-z0-9]{70,90}${END}`, 0.92),
  p('secret.langsmith_key', ['lsv2_'], `${B}lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}${END}`, 0.95),
  p('secret.pinecone_key', ['pcsk_'], `${B}pcsk_[A-Za-z0-9]{5,6}_[A-Za-z0-9]{60,70}${END}`, 0.92),
  p('secret.gcp_service_account', ['service_account'], `"type"\\s*:\\s*"service_account"`, 0.8),
  p('secret.databricks_token', ['dapi'], `${B}dapi[a-f0-9]{32}(?:-\\d)?${END}`, 0.85),
  p('secret.huggingface_token', ['api_org_'], `${B}api_org_[A-Za-z]{34}${END}`, 0.9),
];
