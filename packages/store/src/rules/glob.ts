/**
 * Case-insensitive wildcard match: `*` matches any run of characters (also none), every
 * other character matches itself. The classic two-pointer algorithm with one backtrack
 * point runs in O(pattern × text) at worst, so a hostile pattern or header cannot make it
 * explode the way a backtracking regular expression built from `*`s can.
 */
export function globMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && p[pi] !== "*" && p[pi] === t[ti]) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++;
      mark = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}
