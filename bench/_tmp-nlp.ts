import nlp from 'compromise';
import { performance } from 'node:perf_hooks';
import { ORG_NAME_LEXICON } from '../src/modules/guard/pii/detect-organizations.js';
const short = 'Summarise the quarterly report in two lines.';
const long = ('The quarterly report shows steady growth in every region, with costs flat and revenue up by a tenth. ').repeat(10);
console.log('lexicon size', Object.keys(ORG_NAME_LEXICON).length);
function t(label: string, f: (i: number) => unknown, n = 500) { for (let i = 0; i < 50; i++) f(i); const t0 = performance.now(); for (let i = 0; i < n; i++) f(i); console.log(label, ((performance.now() - t0) / n * 1000).toFixed(0), 'µs'); }
t('short+lex', (i) => { const d = nlp(short + i, ORG_NAME_LEXICON); d.people().json({offset:true}); d.places().json({offset:true}); d.organizations().json({offset:true}); });
t('short nolex', (i) => { const d = nlp(short + i); d.people().json({offset:true}); d.places().json({offset:true}); d.organizations().json({offset:true}); });
t('short nolex parse only', (i) => nlp(short + i));
t('long+lex', (i) => { const d = nlp(long + i, ORG_NAME_LEXICON); d.people().json({offset:true}); d.places().json({offset:true}); }, 100);
t('long nolex', (i) => { const d = nlp(long + i); d.people().json({offset:true}); d.places().json({offset:true}); }, 100);
nlp.addWords(ORG_NAME_LEXICON);
t('short after addWords', (i) => { const d = nlp(short + i); d.people().json({offset:true}); d.places().json({offset:true}); d.organizations().json({offset:true}); });
console.log(nlp('i flew to london and paris with john smith').places().text(), '|', nlp('i flew to london and paris with john smith').people().text());
