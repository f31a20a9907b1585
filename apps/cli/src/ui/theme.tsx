import { createContext, useContext } from "react";

/** Colours on or off: NO_COLOR (any non-empty value) turns them off; bold and inverse stay. */
export interface Theme {
  color(name: "green" | "red" | "yellow" | "cyan" | "gray"): string | undefined;
}

export function themeFor(env: NodeJS.ProcessEnv): Theme {
  const colors = !env.NO_COLOR;
  return { color: (name) => (colors ? name : undefined) };
}

export const ThemeContext = createContext<Theme>(themeFor({}));

export const useTheme = (): Theme => useContext(ThemeContext);
