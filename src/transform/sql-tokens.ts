/**
 * A deliberately small SQL lexer: enough to normalise a model's query for its
 * fingerprint and to find the tables and settings it reads, without pulling
 * in a full SQL parser for DuckDB's dialect.
 */

/** One lexical token of a SQL text. */
export interface SqlToken {
  readonly type: "word" | "quoted" | "string" | "number" | "symbol";
  /** Words lowercased; quoted identifiers without quotes; strings verbatim with quotes. */
  readonly text: string;
  /** Where the token starts and ends (exclusive) in the SQL text. */
  readonly start: number;
  readonly end: number;
}

/** A table reference found in a FROM or JOIN clause, its parts lowercased. */
export interface TableReference {
  readonly parts: readonly string[];
  /** Where the name starts and ends (exclusive) in the SQL text. */
  readonly start: number;
  readonly end: number;
}

/**
 * Splits SQL into tokens, dropping comments and whitespace. Unquoted words
 * are lowercased because DuckDB folds them; string literals keep their case.
 */
export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (ch === "'") {
      const end = closingQuote(sql, i, "'");
      tokens.push({ type: "string", text: sql.slice(i, end + 1), start: i, end: end + 1 });
      i = end + 1;
    } else if (ch === '"') {
      const end = closingQuote(sql, i, '"');
      tokens.push({
        type: "quoted",
        text: sql.slice(i + 1, end).replace(/""/g, '"'),
        start: i,
        end: end + 1,
      });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i)) as RegExpExecArray;
      tokens.push({
        type: "word",
        text: match[0].toLowerCase(),
        start: i,
        end: i + match[0].length,
      });
      i += match[0].length;
    } else if (/[0-9]/.test(ch) || (ch === "." && next !== undefined && /[0-9]/.test(next))) {
      const match = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(sql.slice(i)) as RegExpExecArray;
      tokens.push({
        type: "number",
        text: match[0].toLowerCase(),
        start: i,
        end: i + match[0].length,
      });
      i += match[0].length;
    } else {
      const two = sql.slice(i, i + 2);
      const symbol = ["::", "<=", ">=", "<>", "!=", "||", "//", "->", "=>"].includes(two)
        ? two
        : ch;
      tokens.push({ type: "symbol", text: symbol, start: i, end: i + symbol.length });
      i += symbol.length;
    }
  }
  return tokens;
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i;
    }
    i++;
  }
  return sql.length - 1;
}

/**
 * The query with comments removed, whitespace collapsed and unquoted words
 * lowercased: two texts that differ only in formatting or comments (such as
 * the metadata header) normalise to the same string.
 */
export function normaliseSql(sql: string): string {
  return tokenizeSql(sql)
    .map((token) => (token.type === "quoted" ? `"${token.text.replace(/"/g, '""')}"` : token.text))
    .join(" ");
}

/** Functions whose argument lists may contain a FROM that is not a table clause. */
const fromInsideFunctions = new Set(["extract", "substring", "trim", "overlay", "position"]);

/**
 * Names defined by common table expressions anywhere in the statement
 * (`name as (` or `name(col, …) as (`), which shadow tables of the same name.
 */
export function commonTableExpressionNames(tokens: readonly SqlToken[]): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as SqlToken;
    if (token.type !== "word" && token.type !== "quoted") continue;
    let j = i + 1;
    if (tokens[j]?.text === "(" && tokens[j]?.type === "symbol") {
      // Column list: skip to the matching parenthesis.
      let depth = 0;
      for (; j < tokens.length; j++) {
        const text = tokens[j]?.text;
        if (text === "(") depth++;
        if (text === ")" && --depth === 0) break;
      }
      j++;
    }
    if (tokens[j]?.text !== "as" || tokens[j]?.type !== "word") continue;
    let k = j + 1;
    if (tokens[k]?.text === "not") k++;
    if (tokens[k]?.text === "materialized") k++;
    if (tokens[k]?.text === "(" && tokens[k]?.type === "symbol" && isQueryStart(tokens[k + 1])) {
      names.add(token.text);
    }
  }
  return names;
}

function isQueryStart(token: SqlToken | undefined): boolean {
  return (
    token !== undefined &&
    token.type === "word" &&
    ["select", "with", "from", "values", "pivot", "unpivot", "table"].includes(token.text)
  );
}

/** Words that end a FROM clause at its own parenthesis depth. */
const fromClauseEnds = new Set([
  "where",
  "group",
  "having",
  "qualify",
  "window",
  "order",
  "limit",
  "offset",
  "union",
  "intersect",
  "except",
  "select",
  "returning",
]);

/**
 * Every table named after FROM or JOIN, and after a comma of a FROM clause,
 * except subqueries, table functions and the FROM inside `extract(… from …)`.
 * CTE names are returned too; callers filter them with
 * {@link commonTableExpressionNames}.
 */
export function tableReferences(tokens: readonly SqlToken[]): TableReference[] {
  const references: TableReference[] = [];
  // The word before each open parenthesis, to tell `extract(x from y)` from a subquery.
  const openers: (string | undefined)[] = [];
  // Parenthesis depths at which a FROM clause is open.
  const inFrom = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as SqlToken;
    const depth = openers.length;
    if (token.type === "symbol" && token.text === "(") {
      const before = tokens[i - 1];
      openers.push(before?.type === "word" ? before.text : undefined);
      continue;
    }
    if (token.type === "symbol" && token.text === ")") {
      inFrom.delete(depth);
      openers.pop();
      continue;
    }
    if (token.type === "symbol" && token.text === "," && inFrom.has(depth)) {
      const parsed = readTableName(tokens, i + 1);
      if (parsed !== undefined) references.push(referenceOf(tokens, i + 1, parsed));
      continue;
    }
    if (token.type !== "word") continue;
    if (fromClauseEnds.has(token.text)) {
      inFrom.delete(depth);
      continue;
    }
    if (token.text !== "from" && token.text !== "join") continue;
    const opener = openers[openers.length - 1];
    if (opener !== undefined && fromInsideFunctions.has(opener)) continue;
    inFrom.add(depth);
    const parsed = readTableName(tokens, i + 1);
    if (parsed !== undefined) references.push(referenceOf(tokens, i + 1, parsed));
  }
  return references;
}

function referenceOf(
  tokens: readonly SqlToken[],
  start: number,
  parsed: { readonly parts: string[]; readonly end: number },
): TableReference {
  return {
    parts: parsed.parts,
    start: (tokens[start] as SqlToken).start,
    end: (tokens[parsed.end - 1] as SqlToken).end,
  };
}

/**
 * The SQL with every FROM/JOIN reference to `table` (its parts, e.g.
 * `["raw", "visits"]`) replaced by `replacement`; comments, strings and
 * other names are left as they are.
 */
export function replaceTableReferences(
  sql: string,
  table: readonly string[],
  replacement: string,
): string {
  const matching = tableReferences(tokenizeSql(sql)).filter(
    (reference) =>
      reference.parts.length === table.length &&
      reference.parts.every((part, index) => part === table[index]),
  );
  let result = sql;
  for (const reference of matching.reverse())
    result = result.slice(0, reference.start) + replacement + result.slice(reference.end);
  return result;
}

function readTableName(
  tokens: readonly SqlToken[],
  start: number,
): { parts: string[]; end: number } | undefined {
  const parts: string[] = [];
  let i = start;
  for (;;) {
    const token = tokens[i];
    if (token === undefined || (token.type !== "word" && token.type !== "quoted")) return undefined;
    if (
      token.type === "word" &&
      parts.length === 0 &&
      ["lateral", "select", "values"].includes(token.text)
    ) {
      return undefined;
    }
    parts.push(token.text);
    i++;
    if (tokens[i]?.type === "symbol" && tokens[i]?.text === ".") {
      i++;
      continue;
    }
    break;
  }
  // A name followed by "(" is a table function such as range(…) or read_csv(…).
  if (tokens[i]?.type === "symbol" && tokens[i]?.text === "(") return undefined;
  return { parts, end: i };
}

/** Names passed to `getvariable('…')`, the settings a model reads. */
export function variableReferences(tokens: readonly SqlToken[]): string[] {
  const names = new Set<string>();
  for (let i = 0; i + 3 < tokens.length; i++) {
    const [call, open, argument, close] = [tokens[i], tokens[i + 1], tokens[i + 2], tokens[i + 3]];
    if (
      call?.type === "word" &&
      call.text === "getvariable" &&
      open?.text === "(" &&
      close?.text === ")"
    ) {
      if (argument?.type === "string") names.add(argument.text.slice(1, -1).replace(/''/g, "'"));
    }
  }
  return [...names].sort();
}
