import type { Model } from "../transform/model.ts";
import type { Project } from "../transform/project.ts";
import type {
  DataTestDeclaration,
  DataTestKind,
  Severity,
} from "../transform/test-declarations.ts";
import { ModelError } from "../util/errors.ts";
import { quoteIdentifier, quoteLiteral } from "../warehouse/warehouse.ts";

/** A declared test turned into the query that checks it. */
export interface CompiledDataTest {
  readonly model: string;
  readonly relation: string;
  /** `<model>.<declared name>`, unique in the project. */
  readonly name: string;
  readonly kind: DataTestKind;
  readonly column?: string;
  readonly severity: Severity;
  /**
   * Returns one row. Row tests: `failures` (rows breaking the rule).
   * `reconcile`: `left_value`, `right_value`. `row_count`: `n`.
   */
  readonly sql: string;
  /**
   * Row tests only: the rows that break the rule (for `unique`, each
   * duplicated value with its count), of which a failed test keeps up to
   * 100 (SPEC §4). `sql` counts exactly these rows.
   */
  readonly rowsSql?: string;
  /**
   * Row tests that filter the model's own rows (`not_null`,
   * `accepted_values`, `range`, `expression`): the quoted table and the
   * condition a breaking row meets, `rowsSql` being `select * from <from>
   * where <condition>`. Several such tests of one model are counted in one
   * scan (`count(*) filter (where <condition>)`).
   */
  readonly filter?: { readonly from: string; readonly condition: string };
  /**
   * `unique` only: like `sql`, but grouping rows by one hash of the key
   * columns, which is cheaper than grouping by the columns themselves.
   * Rows with equal keys hash alike, so its count is at least `sql`'s and
   * 0 proves the test passes; otherwise (a duplicate or a hash collision)
   * `sql` decides.
   */
  readonly screenSql?: string;
  /**
   * `unique` only: `rowsSql` over the rows a clause after `from <table> t`
   * keeps (a semi join), so that a check can look at some keys alone.
   */
  readonly duplicatesAmong?: (scope: string) => string;
  readonly declaration: DataTestDeclaration;
}

/** Compiles the tests declared by the given models (all of the project by default). */
export function compileDataTests(
  project: Project,
  modelNames?: Iterable<string>,
): CompiledDataTest[] {
  const names = modelNames === undefined ? project.graph.order : [...modelNames];
  const compiled: CompiledDataTest[] = [];
  for (const name of project.graph.order.filter((n) => new Set(names).has(n))) {
    const model = project.models.get(name) as Model;
    for (const declaration of model.metadata.tests) {
      compiled.push(compileOne(project, model, declaration));
    }
  }
  return compiled;
}

/** A row test: its failing rows, and the count of them that decides it. */
function rowTest(rowsSql: string): { sql: string; rowsSql: string } {
  return { sql: `select count(*) as failures from (${rowsSql})`, rowsSql };
}

/** A row test whose failing rows are the rows of `from` meeting `condition`. */
function filterTest(
  from: string,
  condition: string,
): { sql: string; rowsSql: string; filter: { from: string; condition: string } } {
  return { ...rowTest(`select * from ${from} where ${condition}`), filter: { from, condition } };
}

function compileOne(project: Project, model: Model, test: DataTestDeclaration): CompiledDataTest {
  const relation = `${quoteIdentifier(model.schema)}.${quoteIdentifier(model.name)}`;
  const and = test.where === undefined ? "" : ` and (${test.where})`;
  const base = {
    model: model.name,
    relation: model.relation,
    name: `${model.name}.${test.name}`,
    kind: test.kind,
    severity: test.severity,
    declaration: test,
  };
  switch (test.kind) {
    case "not_null": {
      const column = quoteIdentifier(test.column);
      return {
        ...base,
        column: test.column,
        ...filterTest(relation, `${column} is null${and}`),
      };
    }
    case "unique": {
      const columns = test.columns.map(quoteIdentifier).join(", ");
      // dbt's rule for one column: nulls are not duplicates of each other.
      const notNull = test.columns.length === 1 ? ` and ${columns} is not null` : "";
      const rows = (scope = "") =>
        `from ${relation}${scope === "" ? "" : ` t ${scope}`} where true${notNull}${and}`;
      const duplicatesAmong = (scope: string) =>
        `select ${columns}, count(*) as duplicates ${rows(scope)} group by ${columns} having count(*) > 1`;
      return {
        ...base,
        ...(test.columns.length === 1 ? { column: test.columns[0] } : {}),
        ...rowTest(duplicatesAmong("")),
        screenSql: `select count(*) as failures from (select hash(${columns}) as key_hash ${rows()} group by key_hash having count(*) > 1)`,
        duplicatesAmong,
      };
    }
    case "accepted_values": {
      const column = quoteIdentifier(test.column);
      const values = test.values.map((value) => quoteLiteral(String(value))).join(", ");
      return {
        ...base,
        column: test.column,
        ...filterTest(
          relation,
          `${column} is not null and cast(${column} as varchar) not in (${values})${and}`,
        ),
      };
    }
    case "relationships": {
      const parent = project.models.get(test.to);
      if (parent === undefined) {
        throw new ModelError(
          `test ${base.name} of model ${model.name} refers to unknown model ${test.to}`,
        );
      }
      const parentRelation = `${quoteIdentifier(parent.schema)}.${quoteIdentifier(parent.name)}`;
      const column = `child.${quoteIdentifier(test.column)}`;
      return {
        ...base,
        column: test.column,
        ...rowTest(
          `select child.* from ${relation} as child where ${column} is not null${and} and not exists (select 1 from ${parentRelation} as parent where parent.${quoteIdentifier(test.field)} = ${column})`,
        ),
      };
    }
    case "range": {
      const column = quoteIdentifier(test.column);
      const bounds = [
        ...(test.min === undefined ? [] : [`${column} >= ${test.min}`]),
        ...(test.max === undefined ? [] : [`${column} <= ${test.max}`]),
      ].join(" and ");
      return {
        ...base,
        column: test.column,
        ...filterTest(relation, `${column} is not null${and} and not (${bounds})`),
      };
    }
    case "expression":
      return {
        ...base,
        ...filterTest(relation, `not coalesce((${test.check}), false)${and}`),
      };
    case "reconcile":
      return {
        ...base,
        sql: `select (${test.left}) as left_value, (${test.right}) as right_value`,
      };
    case "row_count":
      return { ...base, sql: `select count(*) as n from ${relation}` };
  }
}
