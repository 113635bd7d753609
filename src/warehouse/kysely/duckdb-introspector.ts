import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from "kysely";

/**
 * Lists schemas, tables and columns of the current DuckDB database from its
 * `information_schema`, which DuckDB implements fully (its `pg_catalog` is
 * only partial, so Postgres' introspector does not fit).
 */
export class DuckDBIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const result = await sql<{ name: string }>`
      select schema_name as name from information_schema.schemata
       where catalog_name = current_database() order by schema_name`.execute(this.#db);
    return result.rows.map((row) => ({ name: row.name }));
  }

  async getTables(_options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    const result = await sql<{
      table_schema: string;
      table_name: string;
      table_type: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
      column_default: string | null;
    }>`
      select t.table_schema, t.table_name, t.table_type, c.column_name, c.data_type, c.is_nullable, c.column_default
        from information_schema.tables t
        join information_schema.columns c
          on c.table_catalog = t.table_catalog and c.table_schema = t.table_schema and c.table_name = t.table_name
       where t.table_catalog = current_database()
       order by t.table_schema, t.table_name, c.ordinal_position`.execute(this.#db);
    const tables = new Map<string, TableMetadata & { columns: TableMetadata["columns"] }>();
    for (const row of result.rows) {
      const id = `${row.table_schema}.${row.table_name}`;
      let table = tables.get(id);
      if (!table) {
        table = {
          schema: row.table_schema,
          name: row.table_name,
          isView: row.table_type === "VIEW",
          columns: [],
        };
        tables.set(id, table);
      }
      table.columns.push({
        name: row.column_name,
        dataType: row.data_type,
        isNullable: row.is_nullable === "YES",
        isAutoIncrementing: false,
        hasDefaultValue: row.column_default !== null,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}
