import type { CountryCode } from 'libphonenumber-js/max';

// Words that place a number in a country: country names, demonyms, capitals and large cities, in English and the
// country's own language. Checked in the sentence around a national-format number.
const REGION_WORDS: readonly [CountryCode, RegExp][] = [
  [
    'GB',
    /\b(?:UK|U\.K\.|United Kingdom|Britain|British|England|English|Scotland|Wales|London|Manchester|Birmingham|Leeds|Glasgow|Edinburgh|Bristol|Liverpool)\b/i,
  ],
  [
    'DE',
    /\b(?:Germany|German|Deutschland|deutsch\w*|Berlin|Munich|München|Hamburg|Frankfurt|Köln|Cologne|Stuttgart|Bremen|Düsseldorf|Tel\.)(?![\p{L}])/iu,
  ],
  [
    'FR',
    /\b(?:France|French|français\w*|Paris|Lyon|Marseille|Toulouse|Nice|Bordeaux|Lille|Appelez|Notre standard)\b/iu,
  ],
  ['ES', /\b(?:Spain|Spanish|España|español\w*|Madrid|Barcelona|Valencia|Sevilla|Seville|Bilbao)\b/iu],
  ['IT', /\b(?:Italy|Italian|Italia|italiano|Rome|Roma|Milan|Milano|Naples|Napoli|Turin|Torino|Florence|Firenze)\b/i],
  ['NL', /\b(?:Netherlands|Dutch|Nederland|Holland|Amsterdam|Rotterdam|Utrecht|The Hague|Den Haag|Eindhoven)\b/i],
  ['IE', /\b(?:Ireland|Irish|Dublin|Cork)\b/i],
  ['AU', /\b(?:Australia|Australian|Sydney|Melbourne|Brisbane|Perth)\b/i],
  ['IN', /\b(?:India|Indian|Mumbai|Delhi|Bangalore|Bengaluru|Chennai|Hyderabad)\b/i],
  ['JP', /\b(?:Japan|Japanese|Tokyo|Osaka)\b/i],
  ['BR', /\b(?:Brazil|Brasil|Brazilian|São Paulo|Rio)\b/iu],
  ['CA', /\b(?:Canada|Canadian|Toronto|Montreal|Vancouver)\b/i],
  ['CH', /\b(?:Switzerland|Swiss|Schweiz|Suisse|Zürich|Zurich|Geneva|Genève)\b/iu],
  ['AT', /\b(?:Austria|Österreich|Vienna|Wien)\b/iu],
  ['BE', /\b(?:Belgium|Belgian|Brussels|Bruxelles|Antwerp)\b/i],
  ['PT', /\b(?:Portugal|Portuguese|Lisbon|Lisboa|Porto)\b/i],
  ['PL', /\b(?:Poland|Polish|Polska|Warsaw|Warszawa|Kraków)\b/iu],
  ['MX', /\b(?:Mexico|México|Mexican)\b/iu],
];

/** National fallbacks tried for a number with a trunk prefix (leading 0) that no context region accepts. */
export const FALLBACK_REGIONS: readonly CountryCode[] = [
  'GB',
  'DE',
  'FR',
  'ES',
  'IT',
  'NL',
  'IE',
  'AU',
  'IN',
  'BE',
  'CH',
  'AT',
];

/** Regions named in the sentence around a number (up to 80 characters before, 40 after), nearest first. */
export function regionsFromContext(text: string, start: number, end: number): CountryCode[] {
  const from = Math.max(0, start - 80);
  let before = text.slice(from, start);
  const cut = before.search(/\n[^\n]*$/);
  if (cut !== -1) before = before.slice(cut + 1);
  const window = `${before} ${text.slice(end, Math.min(text.length, end + 40)).split('\n')[0] ?? ''}`;
  const found: CountryCode[] = [];
  for (const [region, words] of REGION_WORDS) if (words.test(window)) found.push(region);
  return found;
}
