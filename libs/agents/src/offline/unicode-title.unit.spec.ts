import { analyzeIdea } from './analysis';

describe('titles keep non-ASCII words', () => {
  it('keeps accented letters ("Café", not "Caf")', () => {
    const a = analyzeIdea({ idea: 'Café buchungs-app für kleine Läden', targetUsers: [], constraints: [] });
    expect(a.title).toMatch(/^Café buchungs-app/);
    expect(a.keywords).toContain('läden');
  });

  it('keeps CJK text as a keyword', () => {
    expect(analyzeIdea({ idea: '咖啡预订 app for cafés', targetUsers: [], constraints: [] }).keywords).toContain('咖啡预订');
  });
});
