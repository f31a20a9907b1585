import { sealboxVitest } from "../../tooling/vitest.shared.ts";

export default sealboxVitest({ globalSetup: ["test/global-setup.ts"] });
