/**
 * `--format sarif`: SARIF 2.1.0 as GitHub code scanning ingests it. tool.driver.rules lists every
 * rule (id, name = slug, shortDescription, fullDescription, help); each result has ruleId,
 * ruleIndex, level (error | warning | note), message, a physical location (artifact URI relative
 * to the working directory, region.startLine; `cluster/Kind/namespace/name` for live objects) and a
 * logical location `Kind/namespace/name`. Input errors become toolExecutionNotifications.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { VERSION } from '../../cli/version.ts';
import type { DoctorResult } from '../engine.ts';
import { RULES } from '../rules/index.ts';
import type { Severity } from '../types.ts';

const LEVEL: Record<Severity, Result.level> = { error: 'error', warning: 'warning', info: 'note' };

/** A file as given on the command line → a relative, percent-encoded URI (forward slashes). */
export function artifactUri(file: string, cwd: string = process.cwd()): string {
  if (file === '-') return 'stdin';
  const abs = isAbsolute(file) ? file : resolve(cwd, file);
  const rel = relative(cwd, abs).split(sep).join('/');
  return encodeURI(rel);
}

export function renderSarif(result: DoctorResult, cwd: string = process.cwd()): string {
  const rules: ReportingDescriptor[] = RULES.map((r) => ({
    id: r.id,
    name: r.slug,
    shortDescription: { text: r.title },
    fullDescription: { text: r.why },
    help: {
      text: `${r.why}\n\nFix: ${r.fix}`,
      markdown: `**${r.id} ${r.slug}** — ${r.title}\n\n${r.why}\n\n**Fix:** ${r.fix}\n\nReferences: ${r.references.join(', ')}`,
    },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { tags: ['kubernetes', 'client-ip', r.symptom] },
  }));
  const index = new Map(RULES.map((r, i) => [r.id, i]));
  const results: Result[] = result.findings.map((f) => {
    const fqn = `${f.object.kind}/${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`;
    const logical = [{ fullyQualifiedName: fqn, kind: 'resource' }];
    const fingerprint = createHash('sha256').update(`${f.ruleId}\0${fqn}\0${f.message}`).digest('hex').slice(0, 32);
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId) ?? -1,
      level: LEVEL[f.severity],
      message: { text: f.message },
      // GitHub code scanning rejects results without an artifact location ("expected artifact
      // location"): objects read from a cluster get a stable pseudo-path `cluster/Kind/ns/name`.
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: f.file ? artifactUri(f.file, cwd) : `cluster/${encodeURI(fqn)}` },
            region: { startLine: f.line ?? 1 },
          },
          logicalLocations: logical,
        },
      ],
      partialFingerprints: { 'sourceipFinding/v1': fingerprint },
    };
  });
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'sourceip doctor', version: VERSION, semanticVersion: VERSION, rules } },
        results,
        invocations: [
          {
            executionSuccessful: result.errors.length === 0,
            toolExecutionNotifications: [
              ...result.notes.map((text) => ({ level: 'note' as const, message: { text } })),
              ...result.errors.map((e) => ({
                level: 'error' as const,
                message: { text: e.message },
                ...(e.file
                  ? {
                      locations: [
                        {
                          physicalLocation: {
                            artifactLocation: { uri: artifactUri(e.file, cwd) },
                            ...(e.line ? { region: { startLine: e.line } } : {}),
                          },
                        },
                      ],
                    }
                  : {}),
              })),
            ],
          },
        ],
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
