import { uniq } from './util';

export interface Contradiction {
  id: string;
  constraint: string;
  conflictsWith: string;
  terms: string[];
  reason: string;
}

/**
 * Constraint kinds that rule something out, and the words that show a statement needs it anyway.
 * A contradiction is reported only when both sides are present in the input.
 */
const CONFLICT_RULES: { kind: RegExp; needs: RegExp; reason: string }[] = [
  { kind: /\b(offline[- ]only|fully offline|only offline|no (internet|network)|without (internet|network)|air-?gapped)\b/i, needs: /\b(sync\w*|shar\w+|share|video|chat|cloud|real-?time|stream\w*|e-?mails?|sms|notifications?|payments?|collaborat\w*)\b/gi, reason: 'needs a network connection' },
  { kind: /\b(no (accounts?|sign-?ups?|logins?|registration)|anonymous)\b/i, needs: /\b(profiles?|accounts?|history|prescriptions?|patients?|payments?|subscriptions?|sign[- ]?in)\b/gi, reason: 'needs to know who the user is' },
  { kind: /\b(no personal data|no pii|not store personal|no health data)\b/i, needs: /\b(patients?|prescriptions?|addresses|date of birth|medical|payments?|e-?mails?|phone numbers?)\b/gi, reason: 'stores personal data' },
  { kind: /\bno (third[- ]party|external) (services?|apis?|vendors?|providers?)\b/i, needs: /\b(video|payments?|sms|maps?|stripe|twilio)\b/gi, reason: 'relies on a third-party provider' },
  { kind: /\b(web[- ]only|no (mobile|native) apps?)\b/i, needs: /\b(ios|android|mobile apps?|native apps?|push notifications?)\b/gi, reason: 'needs a mobile app' },
  { kind: /\b(free forever|no payments?|free of charge|no monetization)\b/i, needs: /\b(subscriptions?|paid plans?|payments?|billing|checkout|invoices?)\b/gi, reason: 'charges money' },
];

/** Every (constraint, statement) pair where the constraint forbids what the statement needs. */
export function detectContradictions(constraints: string[], statements: string[]): Contradiction[] {
  const out: Contradiction[] = [];
  for (const constraint of constraints) {
    for (const rule of CONFLICT_RULES) {
      if (!rule.kind.test(constraint)) continue;
      for (const statement of statements) {
        if (statement === constraint) continue;
        const terms = uniq((statement.match(rule.needs) ?? []).map((t) => t.toLowerCase())).sort();
        if (!terms.length) continue;
        out.push({ id: `X-${out.length + 1}`, constraint, conflictsWith: statement, terms, reason: `"${constraint}" rules out what "${statement}" ${rule.reason} (${terms.join(', ')})` });
      }
    }
  }
  return out;
}

