import { isDoubleEntry } from '../checks/data-quality';
import type { CheckContext } from '../checks/hit';
import { POINT_CHECKS, RULE_CHECKS } from '../checks/registry';
import { checkTcmSinglePrescriptions } from '../checks/tcm';
import type { CompiledLibrary } from '../library/compile';
import type { LocalTime } from '../normalize/dates';
import type { Line, NormalizedRequest } from '../normalize/request';
import { sceneMask } from '../normalize/scenes';
import type { EvaluatorConfig } from './config';
import type { Finding } from './finding';
import { byOutputOrder, dropRepeatedJrIds, dropRestatedIndications, uncountedDoubleEntry } from './finding-cleanup';
import { toFinding } from './finding-from-hit';
import { hasCurrentLine, PatientMatches } from './patient-matches';
import { ruleFilterOf, runState, runs } from './run-state';

/** Evaluates a normalised request. Cost: one index lookup per order line, plus the checks of the points that match. */
export function evaluate(
  library: CompiledLibrary,
  request: NormalizedRequest,
  scenes: readonly number[],
  config: EvaluatorConfig,
  now: LocalTime,
): Finding[] {
  runState.config = config;
  runState.scenes = sceneMask(scenes);
  runState.ruleFilter = ruleFilterOf(library, request.ruleIds).filter;
  if (runState.ruleRuns.length < library.ruleCount) runState.ruleRuns = new Uint8Array(library.ruleCount * 2);
  else runState.ruleRuns.fill(0, 0, library.ruleCount);
  const ctx: CheckContext = { config, library, now, surgeryFlagged: undefined };
  const findings: Finding[] = [];

  for (const patient of request.patients) {
    let current = false;
    for (const e of patient.encounters) if (e.hasCurrent) current = true;
    if (!current) continue;
    const patientFrom = findings.length;
    const matches = new PatientMatches();
    const lines = patient.lines;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const found = library.lookupHashed(line.code, line.codeHash);
      if (found === undefined) continue;
      if (Array.isArray(found)) for (const entry of found) matches.add(entry, line);
      else matches.add(found, line);
    }

    ctx.surgeryFlagged = matches.surgeryGroups ? new Set() : undefined;
    for (const { entry, lines } of matches.list) {
      const limit = entry.kp.limit;
      const check = POINT_CHECKS[limit.kind];
      if (!check) continue;
      let input: readonly Line[] = lines;
      if (limit.kind === 'same_incision_group') input = matches.surgeryGroups?.get(limit.group) ?? lines;
      else if (!hasCurrentLine(lines)) continue;
      const hits = check(entry, input, ctx);
      if (hits) for (const hit of hits) findings.push(toFinding(library, entry.rule, entry, hit, config));
    }
    if (matches.tcmSingle) {
      for (const { entry, hit } of checkTcmSinglePrescriptions(patient, matches.tcmSingle)) {
        findings.push(toFinding(library, entry.rule, entry, hit, config));
      }
    }
    for (const { rule } of library.ruleLevel) {
      if (!runs(rule)) continue;
      const hits = RULE_CHECKS[rule.kind]?.(rule, patient, ctx);
      if (!hits) continue;
      for (const raw of hits) {
        const hit =
          rule.kind === 'data_quality' && isDoubleEntry(raw) ? uncountedDoubleEntry(raw, findings, patientFrom) : raw;
        if (hit) findings.push(toFinding(library, rule, undefined, hit, config));
      }
    }
  }
  if (findings.length > 1) {
    dropRestatedIndications(findings);
    findings.sort(byOutputOrder);
    dropRepeatedJrIds(findings);
  }
  return findings;
}
