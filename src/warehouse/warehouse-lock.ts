import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log/logger.ts";
import { LockError, toError } from "../util/errors.ts";
import { Warehouse, type WarehouseOptions } from "./warehouse.ts";

/** Who holds the warehouse: written next to it while a writer has it open. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly job: string;
  readonly since: string;
}

/** A writable warehouse together with the note that names its holder. */
export interface LockedWarehouse {
  readonly warehouse: Warehouse;
  /** Closes the warehouse (releasing DuckDB's file lock) and removes the note. */
  release(): void;
}

/** Path of the note naming the lock holder. */
export function lockNotePath(warehousePath: string): string {
  return `${warehousePath}.lock.json`;
}

/**
 * Opens the warehouse for writing, waiting up to `timeoutSeconds` while
 * another process holds it. Mutual exclusion is DuckDB's own file lock,
 * which the kernel releases when its holder dies, so a killed run never
 * leaves a lock behind; the note only says who holds it, and a note of a
 * dead process is simply overwritten.
 */
export async function acquireWarehouse(
  path: string,
  options: WarehouseOptions,
  job: string,
  timeoutSeconds: number,
  logger: Logger,
): Promise<LockedWarehouse> {
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      const warehouse = await Warehouse.open(path, options);
      const holder: LockHolder = {
        pid: process.pid,
        host: hostname(),
        job,
        since: new Date().toISOString(),
      };
      writeFileSync(lockNotePath(path), `${JSON.stringify(holder)}\n`);
      return {
        warehouse,
        release() {
          warehouse.close();
          if (readHolder(path)?.pid === process.pid) rmSync(lockNotePath(path), { force: true });
        },
      };
    } catch (error) {
      if (!isLockConflict(error)) throw error;
      const holder = readHolder(path);
      const waited = (Date.now() - started) / 1000;
      if (waited >= timeoutSeconds) {
        throw new LockError(
          `warehouse ${path} is locked by ${describeHolder(holder, error)}; waited ${Math.round(waited)} s (lockTimeoutSeconds ${timeoutSeconds})`,
          { cause: error },
        );
      }
      if (!announced) {
        logger.warn({ holder, timeoutSeconds }, "warehouse is locked by another process; waiting");
        announced = true;
      }
      await sleep(Math.min(1000, 100 + (Date.now() - started) / 10));
    }
  }
}

/** The holder note, or undefined when there is none or it is unreadable. */
export function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockNotePath(path), "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
}

function isLockConflict(error: unknown): boolean {
  return /Could not set lock on file|Conflicting lock/i.test(toError(error).message);
}

function describeHolder(holder: LockHolder | undefined, error: unknown): string {
  const pid = /PID (\d+)/.exec(toError(error).message)?.[1];
  if (holder && (pid === undefined || String(holder.pid) === pid)) {
    return `pid ${holder.pid} on ${holder.host} (job ${holder.job}, since ${holder.since})`;
  }
  return pid ? `pid ${pid}` : "another process";
}
