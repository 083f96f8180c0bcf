/** Which evidence keys make up the dossier, by category; `required` ones count toward completeness. */
export type Category = 'product' | 'code' | 'security' | 'quality' | 'deployment';

export interface ArtifactSpec {
  key: string;
  title: string;
  category: Category;
  required: boolean;
}

export const DOSSIER_ARTIFACTS: ArtifactSpec[] = [
  { key: 'ideaSpec', title: 'Idea specification', category: 'product', required: true },
  { key: 'constraints', title: 'Constraints', category: 'product', required: false },
  { key: 'personas', title: 'Personas', category: 'product', required: false },
  { key: 'useCases', title: 'Use cases', category: 'product', required: false },
  { key: 'risks', title: 'Critique: risks', category: 'product', required: true },
  { key: 'prd', title: 'Product requirements (PRD)', category: 'product', required: true },
  { key: 'stories', title: 'User stories', category: 'product', required: true },
  { key: 'rtm', title: 'Requirements traceability matrix', category: 'product', required: true },
  { key: 'uxFlows', title: 'UX flows', category: 'product', required: false },
  { key: 'nfrs', title: 'Non-functional requirements', category: 'product', required: false },
  { key: 'viability', title: 'Viability', category: 'product', required: false },
  { key: 'gtm', title: 'Go-to-market', category: 'product', required: false },
  { key: 'pricing', title: 'Pricing', category: 'product', required: false },
  { key: 'architectureDoc', title: 'Architecture document', category: 'code', required: true },
  { key: 'components', title: 'Components', category: 'code', required: false },
  { key: 'dataModel', title: 'Data model', category: 'code', required: true },
  { key: 'openapi', title: 'API specification (OpenAPI)', category: 'code', required: true },
  { key: 'repository', title: 'Repository layout', category: 'code', required: true },
  { key: 'buildSteps', title: 'Build plan', category: 'code', required: true },
  { key: 'ciPipeline', title: 'CI pipeline', category: 'code', required: false },
  { key: 'implementedStories', title: 'Story-loop iterations', category: 'code', required: true },
  { key: 'threatModel', title: 'Threat model', category: 'security', required: true },
  { key: 'findings', title: 'Security findings', category: 'security', required: false },
  { key: 'sbom', title: 'SBOM (CycloneDX)', category: 'security', required: true },
  { key: 'secretsScan', title: 'Secrets scan', category: 'security', required: false },
  { key: 'testPlan', title: 'Test plan', category: 'quality', required: true },
  { key: 'testCases', title: 'Test cases', category: 'quality', required: false },
  { key: 'qaReport', title: 'QA report', category: 'quality', required: true },
  { key: 'performanceReport', title: 'Performance report', category: 'quality', required: true },
  { key: 'accessibility', title: 'Accessibility report', category: 'quality', required: true },
  { key: 'uiReview', title: 'Aesthetic review', category: 'quality', required: false },
  { key: 'releaseNotes', title: 'Release notes', category: 'deployment', required: true },
  { key: 'deploymentPlan', title: 'Deployment plan', category: 'deployment', required: true },
  { key: 'rollbackPlan', title: 'Rollback plan', category: 'deployment', required: true },
  { key: 'canaryPlan', title: 'Canary plan', category: 'deployment', required: true },
  { key: 'betaPlan', title: 'Beta plan', category: 'deployment', required: true },
  { key: 'feedbackPlan', title: 'Feedback plan', category: 'deployment', required: false },
];
