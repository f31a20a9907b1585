import { command } from "../command.js";

/** `sealbox ui`: the interactive terminal UI (the only command that loads Ink and React). */
export const entry = command({
  name: "ui",
  options: {},
  async run() {
    const [{ render }, { createElement }, { App }, { SEALBOX_VERSION }] = await Promise.all([
      import("ink"),
      import("react"),
      import("../ui/App.js"),
      import("@sealbox/core"),
    ]);
    const instance = render(createElement(App, { version: SEALBOX_VERSION }));
    await instance.waitUntilExit();
    return 0;
  },
});
