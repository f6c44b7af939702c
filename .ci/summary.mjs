// Prints the test run's closing line in the plain form CI reads: "tests: N passed, N failed".
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(new URL('../.vitest-report.json', import.meta.url), 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
process.stdout.write(
  `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed` +
    (skipped > 0 ? `, ${skipped} skipped` : '') +
    '\n',
);
process.exit(report.numFailedTests === 0 && report.numTotalTests > 0 ? 0 : 1);
