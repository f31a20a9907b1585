import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { App } from "./App.js";

describe("App", () => {
  it("renders the product name and version", () => {
    const { lastFrame, unmount } = render(<App version="9.9.9" />);
    expect(lastFrame()).toContain("Sealbox 9.9.9");
    unmount();
  });
});
