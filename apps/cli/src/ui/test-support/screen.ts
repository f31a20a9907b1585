const ESC = String.fromCharCode(0x1b);
const BEL = String.fromCharCode(0x07);
/** Control Sequence Introducer: ESC [ private-prefix params intermediates final. */
const CSI = new RegExp(`^${ESC}\\[([?>=]?)([0-9;]*)([ -/]*)([@-~])`);
/** OSC titles, charset selection, and the two-byte escapes (save/restore cursor, NEL …). */
const OTHER_ESCAPE = new RegExp(`^${ESC}(\\][^${BEL}]*${BEL}|[()][0-9A-Za-z]|[78=>DEMc])`);

/**
 * A small terminal screen for tests: it applies what a program writes to a pseudo-terminal
 * (text, CR/LF, the CSI cursor and erase sequences Ink uses; colours and modes are ignored)
 * to a grid, so a test reads what a user would see. Writing past the right edge wraps, as a
 * terminal does, and is counted: a line that overflowed shows up in `overflows`.
 */
export class Screen {
  rows: number;
  columns: number;
  private grid: string[][];
  private row = 0;
  private col = 0;
  private pending = "";
  /** Lines a program wrote past the right edge (each a wrap the terminal had to do). */
  overflows: string[] = [];
  /** Every full-screen clear (ESC [ 2J): a redraw that flickers. */
  clears = 0;

  constructor(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.grid = Array.from({ length: rows }, () => Array(columns).fill(" "));
  }

  /** A terminal window made larger or smaller: what is on screen stays where it is. */
  resize(columns: number, rows: number): void {
    const grid = Array.from({ length: rows }, (_, r) =>
      Array.from({ length: columns }, (_, c) => this.grid[r]?.[c] ?? " "),
    );
    this.grid = grid;
    this.columns = columns;
    this.rows = rows;
    this.row = Math.min(this.row, rows - 1);
    this.col = Math.min(this.col, columns);
  }

  write(data: string): void {
    const text = this.pending + data;
    this.pending = "";
    let i = 0;
    while (i < text.length) {
      const ch = text[i] as string;
      if (ch === ESC) {
        const rest = text.slice(i);
        const csi = CSI.exec(rest);
        if (csi) {
          this.csi(csi[1] ?? "", csi[2] ?? "", csi[4] ?? "");
          i += csi[0].length;
          continue;
        }
        const other = OTHER_ESCAPE.exec(rest);
        if (other) {
          if (other[1] === "E") this.newLine(true);
          i += other[0].length;
          continue;
        }
        // An escape sequence cut between two writes: keep it for the next one.
        this.pending = rest;
        return;
      }
      if (ch === "\r") this.col = 0;
      // The pty turns LF into CR LF (ONLCR; Node's raw mode keeps it), as a user's terminal gets it.
      else if (ch === "\n") this.newLine(true);
      else if (ch === "\b") this.col = Math.max(0, this.col - 1);
      else if (ch >= " ") this.put(ch);
      i++;
    }
  }

  /** The screen as lines, trailing spaces removed. */
  lines(): string[] {
    return this.grid.map((r) => r.join("").trimEnd());
  }

  text(): string {
    return this.lines().join("\n");
  }

  private put(ch: string): void {
    if (this.col >= this.columns) {
      this.overflows.push(this.grid[this.row]?.join("") ?? "");
      this.newLine(true);
    }
    const line = this.grid[this.row];
    if (line) line[this.col] = ch;
    this.col++;
  }

  private newLine(carriageReturn: boolean): void {
    if (carriageReturn) this.col = 0;
    if (this.row === this.rows - 1) {
      this.grid.shift();
      this.grid.push(Array(this.columns).fill(" "));
    } else this.row++;
  }

  private csi(prefix: string, params: string, final: string): void {
    if (prefix !== "") return; // private modes: cursor visibility, alternate screen, sync output
    const n = params.split(";").map((p) => (p === "" ? undefined : Number(p)));
    const a = n[0] ?? 1;
    switch (final) {
      case "A":
        this.row = Math.max(0, this.row - a);
        break;
      case "B":
        this.row = Math.min(this.rows - 1, this.row + a);
        break;
      case "C":
        this.col = Math.min(this.columns - 1, this.col + a);
        break;
      case "D":
        this.col = Math.max(0, this.col - a);
        break;
      case "E":
        this.row = Math.min(this.rows - 1, this.row + a);
        this.col = 0;
        break;
      case "F":
        this.row = Math.max(0, this.row - a);
        this.col = 0;
        break;
      case "G":
        this.col = Math.min(this.columns - 1, a - 1);
        break;
      case "H":
      case "f":
        this.row = Math.min(this.rows - 1, (n[0] ?? 1) - 1);
        this.col = Math.min(this.columns - 1, (n[1] ?? 1) - 1);
        break;
      case "J": {
        const mode = n[0] ?? 0;
        if (mode === 2 || mode === 3) {
          if (mode === 2) this.clears++;
          for (const r of this.grid) r.fill(" ");
        } else if (mode === 0) {
          this.grid[this.row]?.fill(" ", this.col);
          for (let r = this.row + 1; r < this.rows; r++) this.grid[r]?.fill(" ");
        }
        break;
      }
      case "K": {
        const mode = n[0] ?? 0;
        const line = this.grid[this.row];
        if (!line) break;
        if (mode === 0) line.fill(" ", this.col);
        else if (mode === 1) line.fill(" ", 0, this.col + 1);
        else line.fill(" ");
        break;
      }
      default:
        break; // m (colours) and the rest change nothing a test reads
    }
  }
}
