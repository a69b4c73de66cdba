// Test oracle: Mermaid's own parser (npm `mermaid`, offline, no DOM needed to parse). Reads a
// JSON array of diagrams on stdin and prints, in the same order, `null` for each diagram
// Mermaid reads as an `erDiagram` and its error message for each it refuses.
import mermaid from 'mermaid';
import { readFileSync } from 'node:fs';

const diagrams = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const text of diagrams) {
  try {
    const parsed = await mermaid.parse(text);
    results.push(parsed.diagramType === 'er' ? null : `read as ${parsed.diagramType}, not er`);
  } catch (error) {
    results.push(String(error.message ?? error));
  }
}
process.stdout.write(JSON.stringify(results));
