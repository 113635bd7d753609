import { afterAll } from "vitest";
import { removeTempDirs } from "./temp-dir.ts";
import { closeFixtureWarehouses } from "./warehouse.ts";

// Setup file of every tier (vitest.config.ts): after each test file, the
// warehouses it made with fixtureWarehouse are closed and the folders it made
// with tempDir are removed, wherever they were made. After-hooks run last
// registered first, so the folders go once their warehouses are closed.
afterAll(removeTempDirs);
afterAll(closeFixtureWarehouses);
