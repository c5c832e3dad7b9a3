/**
 * The doctor's data model: objects loaded from manifests or a cluster, rules, and findings.
 * Rule ids (`SIP-101`), slugs, severities and the JSON/SARIF shapes built from these are public API.
 */
import type { DoctorContext } from './context.ts';

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/** A path into an object, as `yaml`'s `getIn` takes it: `['spec', 'ports', 0, 'nodePort']`. */
export type ObjectPath = readonly (string | number)[];

/** Where an object came from. `file` is as given on the command line (or `-` for stdin); absent for live objects. */
export interface SourceRef {
  readonly file?: string;
  /** 1-based line of the object's first key. */
  readonly line?: number;
  /** The `# Source: chart/templates/x.yaml` comment of Helm-rendered output, when present. */
  readonly helmSource?: string;
}

/** One Kubernetes object (or a sourceip gateway config file) as the rules see it. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** `''` for cluster-scoped objects and objects without a namespace in a manifest. */
  readonly namespace: string;
  /** The raw object (JSON shape). Rules read it defensively: manifests may be partial. */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly source: SourceRef;
  /** 1-based line of the node at `path` (relative to the object), or the object's line when unknown. */
  lineOf(path: ObjectPath): number | undefined;
  /**
   * File and line of the node at `path` when they can differ from `source.file` (objects rendered
   * from a Kustomize base and an overlay patch). Absent: `source.file` + `lineOf`.
   */
  locate?(path: ObjectPath): { readonly file?: string; readonly line?: number };
  /** The kustomization directory the object was rendered from; groups are checked separately (alternatives). */
  readonly group?: string;
}

/** A problem with the input itself (bad YAML, unreadable file, API failure). Exit code 2. */
export interface InputError {
  readonly file?: string;
  readonly line?: number;
  readonly message: string;
}

export interface Snapshot {
  readonly mode: 'static' | 'live';
  readonly objects: readonly K8sObject[];
  readonly errors: readonly InputError[];
  /** Non-fatal gaps (an optional list the API refused, e.g. nodes without cluster-wide RBAC): reported, exit code unchanged. */
  readonly notes?: readonly string[];
}

/** The object a finding concerns. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface Finding {
  readonly ruleId: string;
  readonly slug: string;
  readonly severity: Severity;
  readonly message: string;
  readonly object: ObjectRef;
  readonly file?: string;
  readonly line?: number;
  /** Other objects involved (the ConfigMap behind an ingress-nginx Service, …). */
  readonly related: readonly ObjectRef[];
}

/** What a rule's check returns; the engine adds id, slug, default severity, file and line. */
export interface RawFinding {
  readonly object: K8sObject;
  readonly message: string;
  /** Overrides the rule's default severity (e.g. SIP-103 error vs warning). */
  readonly severity?: Severity;
  /** Where in the object the offending setting is, for the line number. */
  readonly path?: ObjectPath;
  /** Overrides the line found from `path` (settings embedded in a ConfigMap value). */
  readonly line?: number;
  readonly related?: readonly K8sObject[];
}

export interface RuleDoc {
  /** `SIP-101`: stable, never reused. */
  readonly id: string;
  /** `etp-cluster-snat`: stable. */
  readonly slug: string;
  readonly severity: Severity;
  /** One line: what is wrong (SARIF shortDescription). */
  readonly title: string;
  /** Which of the guide's troubleshooting symptoms this explains. */
  readonly symptom:
    | 'source-ip-is-node-ip'
    | 'xff-empty'
    | 'spoofing-possible'
    | 'uneven-load'
    | 'traffic-loss'
    | 'context';
  /** Objects the rule reads. */
  readonly concerns: readonly string[];
  /** Works on manifests (`static`) or needs cluster state such as EndpointSlices and Service status. */
  readonly needs: 'static' | 'live-state';
  readonly why: string;
  readonly fix: string;
  /** Upstream documentation and issues the rule rests on. */
  readonly references: readonly string[];
}

export interface Rule extends RuleDoc {
  check(context: DoctorContext): readonly RawFinding[];
}
