// Rules: schema and validation, loading (files and built-in sets), matching, application, generation.
export { loadRules, resolveRuleFile, builtinRulesDir } from './load.js';
export { parseRuleFile } from './schema.js';
export { applyRulesToLayer, applyImageRules, applyAnnotationRules, epochToRfc3339, type ApplyContext } from './apply.js';
export { ruleMatches, matchingRules } from './match.js';
export { ACTIONS, type Rule, type RuleSet, type ActionName } from './types.js';
export { generateRules } from './generate.js';
