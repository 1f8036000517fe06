/** How deeply a Cedar policy set text nests, as a cheap scanner (no Cedar) estimates it. */
export interface PolicyNesting {
  /** Deepest bracket (`(`, `[`, `{`) and `if` nesting of any policy. */
  maxNesting: number;
  /** Deepest estimated expression tree of any policy: brackets, `if`, operators and member accesses. */
  maxDepth: number;
  /** UTF-16 index of the first token that reached a limit, when one was passed. */
  overAt?: number;
  /** Which limit was passed first. */
  over?: 'nesting' | 'depth';
}

/** Limits of {@link measurePolicyNesting}: passing one stops the scan. */
export interface NestingLimits {
  nesting: number;
  depth: number;
}

interface Level {
  kind: '(' | '[' | '{' | 'if' | 'top';
  /** Depths of the operands of the expression being read, and the precedences of its pending operators. */
  operands: number[];
  operators: number[];
  /** The deepest finished element (comma-, colon- or then/else-separated) of this level. */
  elementMax: number;
  /** The last token was an operand (so `-` is binary and an operand right after it joins it, as in `Action::"x"`). */
  afterOperand: boolean;
}

const CLOSER: Record<string, Level['kind']> = { ')': '(', ']': '[', '}': '{' };
const UNARY = 7;
// Precedences of Cedar's binary operators (higher binds tighter); all are left-associative or non-chaining.
const KEYWORD_OPERATORS: Record<string, number> = { in: 3, has: 3, like: 3, is: 3 };
const SYMBOL_OPERATORS: [string, number][] = [
  ['||', 1],
  ['&&', 2],
  ['==', 3],
  ['!=', 3],
  ['<=', 3],
  ['>=', 3],
  ['<', 3],
  ['>', 3],
  ['+', 4],
  ['-', 4],
  ['*', 5],
];

const newLevel = (kind: Level['kind']): Level => ({
  kind,
  operands: [],
  operators: [],
  elementMax: 0,
  afterOperand: false,
});

/**
 * Estimates, without Cedar, how deep the expression trees of a Cedar policy text are: a shunting-yard pass over
 * brackets, `if`/`then`/`else`, binary and unary operators and `.member` accesses, skipping strings and comments.
 * The estimate is an upper bound of the parse tree's depth up to a small constant per level; it is meant to keep
 * text that would overflow cedar-wasm's stack away from it, not to check syntax. Stops at the first limit passed.
 */
export function measurePolicyNesting(text: string, limits: NestingLimits): PolicyNesting {
  let maxNesting = 0;
  let maxDepth = 0;
  const stack: Level[] = [newLevel('top')];
  const top = (): Level => stack[stack.length - 1] as Level;
  let over: PolicyNesting['over'];
  let overAt = 0;
  let at = 0;

  const noteDepth = (depth: number): void => {
    if (depth > maxDepth) maxDepth = depth;
    if (over === undefined && depth > limits.depth) {
      over = 'depth';
      overAt = at;
    }
  };
  const reduceOnce = (level: Level): void => {
    const precedence = level.operators.pop() ?? 0;
    const right = level.operands.pop() ?? 0;
    const left = precedence === UNARY ? 0 : (level.operands.pop() ?? 0);
    const depth = 1 + Math.max(left, right);
    noteDepth(depth);
    level.operands.push(depth);
  };
  const reduceWhile = (level: Level, precedence: number): void => {
    while (level.operators.length > 0 && (level.operators[level.operators.length - 1] ?? 0) >= precedence)
      reduceOnce(level);
  };
  /** Finishes the element being read at this level (at `,`, `:`, `then`, `else` or the level's end). */
  const finishElement = (level: Level): void => {
    reduceWhile(level, 0);
    for (const depth of level.operands) level.elementMax = Math.max(level.elementMax, depth);
    level.operands = [];
    level.operators = [];
    level.afterOperand = false;
  };
  const pushOperand = (depth: number): void => {
    const level = top();
    noteDepth(depth);
    if (level.kind === 'top') {
      // Annotations, the effect, the scope and the conditions of a policy follow each other; none nests in another.
      level.elementMax = Math.max(level.elementMax, depth);
      return;
    }
    if (level.afterOperand) {
      // `Action::"x"`, `ip("…")`, `.member(args)`: the piece joins the operand before it.
      const previous = level.operands.pop() ?? 0;
      level.operands.push(Math.max(previous, depth) + 1);
      noteDepth(Math.max(previous, depth) + 1);
    } else {
      level.operands.push(depth);
    }
    level.afterOperand = true;
  };
  const pushOperator = (precedence: number): void => {
    const level = top();
    if (precedence !== UNARY) reduceWhile(level, precedence);
    level.operators.push(precedence);
    level.afterOperand = false;
  };
  const open = (kind: Level['kind']): void => {
    stack.push(newLevel(kind));
    const nesting = stack.length - 1;
    if (nesting > maxNesting) maxNesting = nesting;
    if (over === undefined && nesting > limits.nesting) {
      over = 'nesting';
      overAt = at;
    }
  };
  /** Closes the top level and returns its depth as one operand of its parent. */
  const close = (): void => {
    const level = stack.pop() as Level;
    finishElement(level);
    const depth = level.elementMax + 1;
    if (level.kind === 'if') top().afterOperand = false;
    pushOperand(depth);
  };
  const closeIfs = (): void => {
    while (stack.length > 1 && top().kind === 'if') close();
  };
  const endPolicy = (): void => {
    while (stack.length > 1) close();
    finishElement(top());
    noteDepth(top().elementMax);
    stack[0] = newLevel('top');
  };

  let i = 0;
  while (i < text.length && over === undefined) {
    at = i;
    const ch = text.charAt(i);
    if (ch === '/' && text.charAt(i + 1) === '/') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
      continue;
    }
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === '"') {
      i += 1;
      while (i < text.length && text.charAt(i) !== '"') i += text.charAt(i) === '\\' ? 2 : 1;
      i += 1;
      pushOperand(1);
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_]/.test(text.charAt(i))) i += 1;
      const word = text.slice(start, i);
      const keyword = KEYWORD_OPERATORS[word];
      if (word === 'if') {
        if (top().afterOperand) top().afterOperand = false;
        open('if');
      } else if ((word === 'then' || word === 'else') && top().kind === 'if') {
        finishElement(top());
      } else if (keyword !== undefined) {
        pushOperator(keyword);
      } else {
        pushOperand(1);
      }
      continue;
    }
    if (/[0-9]/.test(ch)) {
      while (i < text.length && /[0-9]/.test(text.charAt(i))) i += 1;
      pushOperand(1);
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') {
      // A group right after an operand (a call's arguments, `when { … }`) joins it when it closes.
      open(ch);
      i += 1;
      continue;
    }
    const closer = CLOSER[ch];
    if (closer !== undefined) {
      closeIfs();
      if (stack.length > 1) close();
      i += 1;
      continue;
    }
    if (ch === ',' || (ch === ':' && text.charAt(i + 1) !== ':')) {
      closeIfs();
      finishElement(top());
      i += 1;
      continue;
    }
    if (ch === ':' && text.charAt(i + 1) === ':') {
      // A path: the next piece joins the operand before it.
      i += 2;
      continue;
    }
    if (ch === ';') {
      endPolicy();
      i += 1;
      continue;
    }
    if (ch === '.') {
      // `.member`: the member name joins (deepens) the operand before it.
      i += 1;
      continue;
    }
    if (ch === '!' && text.charAt(i + 1) !== '=') {
      pushOperator(UNARY);
      i += 1;
      continue;
    }
    if (ch === '-' && !top().afterOperand) {
      pushOperator(UNARY);
      i += 1;
      continue;
    }
    const symbol = SYMBOL_OPERATORS.find(([op]) => text.startsWith(op, i));
    if (symbol !== undefined) {
      pushOperator(symbol[1]);
      i += symbol[0].length;
      continue;
    }
    // `@`, stray characters: Cedar reports them.
    i += 1;
  }
  if (over === undefined) endPolicy();
  return { maxNesting, maxDepth, ...(over === undefined ? {} : { over, overAt }) };
}
