import { ModelError } from "../util/errors.ts";

/**
 * The DAG of models: edges from each model to the models it reads. Builds a
 * deterministic topological order (ties broken by name) and answers the
 * `--select` forms `name`, `name+`, `+name` and `+name+`.
 */
export class ModelGraph {
  readonly #parents: ReadonlyMap<string, readonly string[]>;
  readonly #children: ReadonlyMap<string, readonly string[]>;
  /** Every model, parents before children. */
  readonly order: readonly string[];

  /** Throws a ModelError printing the cycle when the graph has one. */
  constructor(parents: ReadonlyMap<string, readonly string[]>) {
    this.#parents = parents;
    const children = new Map<string, string[]>();
    for (const name of parents.keys()) children.set(name, []);
    for (const [name, ofName] of parents) {
      for (const parent of ofName) children.get(parent)?.push(name);
    }
    this.#children = children;
    this.order = topologicalOrder(parents, children);
  }

  /** Direct parents of a model. */
  parentsOf(name: string): readonly string[] {
    return this.#parents.get(name) ?? [];
  }

  /** Models that read `name` directly. */
  childrenOf(name: string): readonly string[] {
    return this.#children.get(name) ?? [];
  }

  /** Every model downstream of `name`, not including it. */
  descendants(name: string): Set<string> {
    return walk(name, this.#children);
  }

  /** Every model upstream of `name`, not including it. */
  ancestors(name: string): Set<string> {
    return walk(name, this.#parents);
  }

  /**
   * Resolves a selection: a comma-separated list (or array) of `name`,
   * `name+` (with descendants), `+name` (with ancestors) or `+name+`.
   * Throws a ModelError naming an unknown model.
   */
  select(selection: string | readonly string[]): Set<string> {
    const items = (
      typeof selection === "string" ? selection.split(",") : selection.flatMap((s) => s.split(","))
    )
      .map((item) => item.trim())
      .filter((item) => item !== "");
    if (items.length === 0) throw new ModelError("empty model selection");
    const selected = new Set<string>();
    for (const item of items) {
      const upstream = item.startsWith("+");
      const downstream = item.endsWith("+");
      const name = item.slice(upstream ? 1 : 0, downstream ? -1 : undefined);
      if (!this.#parents.has(name)) {
        throw new ModelError(
          `unknown model ${name} in selection ${item} (known: ${[...this.#parents.keys()].sort().join(", ")})`,
        );
      }
      selected.add(name);
      if (upstream) for (const other of this.ancestors(name)) selected.add(other);
      if (downstream) for (const other of this.descendants(name)) selected.add(other);
    }
    return selected;
  }
}

function walk(start: string, edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(edges.get(start) ?? [])];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    stack.push(...(edges.get(name) ?? []));
  }
  return seen;
}

function topologicalOrder(
  parents: ReadonlyMap<string, readonly string[]>,
  children: ReadonlyMap<string, readonly string[]>,
): string[] {
  const waiting = new Map<string, number>();
  for (const [name, ofName] of parents) waiting.set(name, new Set(ofName).size);
  const ready = [...waiting].filter(([, count]) => count === 0).map(([name]) => name);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort();
    const name = ready.shift() as string;
    order.push(name);
    for (const child of new Set(children.get(name) ?? [])) {
      const left = (waiting.get(child) as number) - 1;
      waiting.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (order.length < parents.size) {
    const cycle = findCycle(parents, new Set(order));
    throw new ModelError(`models form a cycle: ${cycle.join(" → ")}`);
  }
  return order;
}

/** A path a → b → … → a among the models left over by the sort. */
function findCycle(
  parents: ReadonlyMap<string, readonly string[]>,
  sorted: ReadonlySet<string>,
): string[] {
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    state.set(name, "visiting");
    path.push(name);
    for (const parent of [...(parents.get(name) ?? [])].sort()) {
      if (sorted.has(parent)) continue;
      if (state.get(parent) === "visiting") {
        // The cycle in reading direction: each model is read by the next.
        return [...path.slice(path.indexOf(parent)), parent].reverse();
      }
      if (state.get(parent) === undefined) {
        const found = visit(parent);
        if (found) return found;
      }
    }
    path.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const name of [...parents.keys()].filter((n) => !sorted.has(n)).sort()) {
    if (state.get(name) === undefined) {
      const found = visit(name);
      if (found) return found;
    }
  }
  return [];
}
