import { buildDocument, contentBlocks, humanize } from './document';
import { renderDossierHtml, renderMarkdown } from './render-html';
import type { Dossier } from './compile-dossier';

const dossier = (over: Partial<Dossier> = {}): Dossier => ({
  format: 'ideamine.dossier/v1', runId: 'r1', title: 'Café buchungs-app', version: '1.0.0', status: 'completed', completedAt: '2026-12-02T06:00:00.000Z',
  idea: { idea: 'Café <script>alert(1)</script> 咖啡', targetUsers: ['Owners'], constraints: [] }, completeness: 100, missing: [],
  phases: [{ phase: 'intake', score: 1, attempts: 1, evidencePackSha256: 'a'.repeat(64) }],
  categories: {
    product: [{ key: 'stories', title: 'User stories', phase: 'prd', content: [{ id: 'US-1', title: 'Book a table', asA: 'guest' }, { id: 'US-2', title: 'Cancel', asA: 'guest' }] }],
    code: [{ key: 'architectureDoc', title: 'Architecture document', phase: 'architecture', content: '# Arch\n\n<img src=x onerror=alert(1)>\n\n- one\n- two' }],
    security: [], quality: [], deployment: [],
  },
  usage: { tokens: 1234, usd: 0.5, toolMinutes: 0, wallclockMs: 2000 },
  signature: { algorithm: 'sha256', value: 'b'.repeat(64) },
  ...over,
});

describe('the dossier as a document', () => {
  it('has the chapters a reader expects, in order, with an entry per artifact', () => {
    const doc = buildDocument(dossier());
    expect(doc.sections.filter((s) => s.level === 1).map((s) => s.title)).toEqual(['Executive summary', 'The idea', 'Product', 'Architecture and code', 'Security', 'Quality', 'Release and deployment', 'Cost and timeline', 'Gates and waivers', 'Appendix: provenance']);
    expect(doc.sections.filter((s) => s.level === 2).map((s) => s.title)).toEqual(['User stories', 'Architecture document']);
    expect(new Set(doc.sections.map((s) => s.id)).size).toBe(doc.sections.length);
  });

  it('turns records into tables, strings into markdown, config text into code', () => {
    expect(contentBlocks([{ id: 'US-1', title: 'A' }])).toEqual([{ kind: 'table', columns: ['ID', 'Title'], rows: [['US-1', 'A']] }]);
    expect(contentBlocks('Some *prose*')).toEqual([{ kind: 'markdown', source: 'Some *prose*' }]);
    expect(contentBlocks('name: ci\non:\n  push: {}\njobs:\n  build: {}')[0].kind).toBe('code');
    expect(contentBlocks({ score: 0.8, verdict: 'go' })).toEqual([{ kind: 'kv', rows: [['Score', '0.8'], ['Verdict', 'go']] }]);
    expect(humanize('acceptanceCriteria')).toBe('Acceptance criteria');
  });

  it('renders HTML with contents anchors and every agent or user text escaped', () => {
    const html = renderDossierHtml(dossier());
    expect(html).toContain('<h1>Café buchungs-app</h1>');
    expect(html).toContain('<a href="#user-stories">User stories</a>');
    expect(html).toContain('id="user-stories"');
    expect(html).not.toMatch(/<script>|<img/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<li>one</li>');
    expect(renderMarkdown('[x](javascript:alert(1))')).not.toContain('href');
  });
});
