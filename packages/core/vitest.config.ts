import { sealboxVitest } from "../../tooling/vitest.shared.ts";

export default sealboxVitest();
