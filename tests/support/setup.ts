import { afterAll } from "vitest";
import { closeFixtureWarehouses } from "./warehouse.ts";

// Setup file of every tier (vitest.config.ts): the warehouses a test file made
// with fixtureWarehouse are closed after it, wherever they were made.
afterAll(closeFixtureWarehouses);
