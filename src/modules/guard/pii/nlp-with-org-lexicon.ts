import nlp from 'compromise';
import { ORG_NAME_LEXICON } from './detect-organizations.js';

// INVARIANT: the lexicon is compiled into compromise's (process-wide) model once, here, before any text is parsed.
// `nlp(text, ORG_NAME_LEXICON)` did the same `addWords` on every call (~400 µs each); the words are the same, so the
// tags are too. Every compromise user in src imports nlp from this module, so none sees a model without them.
nlp.addWords(ORG_NAME_LEXICON);

/** compromise with Bulwark's organisation lexicon (ORG_NAME_LEXICON) loaded. */
export const nlpWithOrgLexicon = nlp;
