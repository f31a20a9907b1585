/** The shared throwaway PostgreSQL cluster (tooling/test-support). */
export * from "../../../tooling/test-support/postgres-cluster.js";
