// Rules that look at one document only. Their findings are cached with the schema findings on
// the parsed document (see lint.ts), so an edit re-runs them for changed documents only.
import type { ParsedDocument } from '../documents';
import type { Finding } from '../types';
import { secretContentFindings, isSecret } from './secretContent';
import { helmReleaseFindings } from './helmRelease';
import { ociRepositoryFindings } from './ociRepository';
import { imageAutomationFindings } from './imageAutomation';
import { artifactGeneratorFindings } from './artifactGenerator';
import { markerFormatFindings } from './imagePolicyMarkers';

/** Findings of the document-local rules, positions relative to the document. */
export function localRuleFindings(parsed: ParsedDocument): Finding[] {
  if (isSecret(parsed)) return secretContentFindings(parsed);
  return [...helmReleaseFindings(parsed), ...ociRepositoryFindings(parsed), ...imageAutomationFindings(parsed), ...artifactGeneratorFindings(parsed), ...markerFormatFindings(parsed)];
}
