/** The page's styles (inlined with the script: the console loads nothing from anywhere else). */
export const STYLE = `
:root { --fg: #1d232b; --muted: #6b7480; --line: #d9dee4; --accent: #1f6feb; --bg: #f6f8fa; font-family: system-ui, sans-serif; color: var(--fg); }
body { margin: 0; background: #fff; }
header { display: flex; align-items: center; gap: 24px; padding: 8px 16px; border-bottom: 1px solid var(--line); background: var(--bg); flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; }
nav a { margin-right: 14px; color: var(--fg); text-decoration: none; padding: 4px 2px; }
nav a.active { border-bottom: 2px solid var(--accent); font-weight: 600; }
.scope { margin-left: auto; font-size: 13px; }
main { padding: 8px 16px 32px; }
h2 { font-size: 20px; } h3 { font-size: 16px; margin-top: 20px; } h4 { margin: 10px 0 4px; }
.muted { color: var(--muted); font-size: 13px; }
.error { color: #b3261e; }
.form { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 8px 0; }
.field { font-size: 14px; }
.drop { border: 2px dashed var(--line); padding: 12px; border-radius: 6px; }
.drop.over { border-color: var(--accent); background: #eef4ff; }
button { padding: 5px 14px; border-radius: 5px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
button#run { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { color: #b3261e; border-color: #b3261e; }
.figures { display: flex; gap: 12px; flex-wrap: wrap; }
figure { margin: 8px 0; max-width: 640px; }
figcaption { font-size: 12px; color: var(--muted); }
.stage { position: relative; display: inline-block; line-height: 0; }
.stage img { max-width: 640px; max-height: 520px; display: block; }
.blank { width: 640px; height: 480px; background: var(--bg); border: 1px dashed var(--line); color: var(--muted); font-size: 13px; line-height: 1.4; display: flex; align-items: flex-end; padding: 8px; box-sizing: border-box; }
.overlay { position: absolute; inset: 0; width: 100%; height: 100%; }
.shape { fill: none; stroke: #00e5ff; }
.shape.face, .shape.celebrity { stroke: #00e676; }
.shape.label { stroke: #ffd600; }
.shape.line { stroke: #ff4081; } .shape.word { stroke: #ffab40; }
.shape.person { stroke: #40c4ff; } .shape.equipment { stroke: #00e676; } .shape.uncovered { stroke: #ff5252; }
.shape.match { stroke: #00e676; } .shape.unmatched { stroke: #ff5252; }
.shape.landmark { fill: #ff4081; stroke: none; }
.caption { fill: #fff; stroke: #000; stroke-width: 3px; paint-order: stroke; font-family: system-ui, sans-serif; }
.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
pre { background: var(--bg); border: 1px solid var(--line); padding: 8px; font-size: 12px; overflow: auto; max-height: 420px; }
table.list { border-collapse: collapse; font-size: 13px; }
table.list td, table.list th { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: left; }
table.list tr.failed td { color: #b3261e; }
table.list tbody tr:hover { background: var(--bg); cursor: pointer; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.faces { display: flex; flex-wrap: wrap; gap: 10px; }
.face { display: flex; flex-direction: column; align-items: center; font-size: 11px; width: 80px; }
.thumb { width: 64px; height: 64px; object-fit: cover; background: var(--bg); border-radius: 4px; }
.timeline .mark { fill: var(--accent); opacity: 0.75; }
.timeline .tick { stroke: var(--line); }
.timeline { cursor: crosshair; }
.timeline .cursor { stroke: #b3261e; stroke-width: 2; }
.frame img { max-width: 640px; display: block; }
.timeline text { font-size: 11px; fill: var(--fg); }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 4px 12px 10px; margin: 8px 0; }
`;
