/** Our own list of reasoning modules the model selects from (self-discover style). */
export const reasoningModules = [
  'Restate the problem in your own words and list what is given and what is asked.',
  'Break the problem into smaller sub-problems and solve them in order.',
  'Work through a small concrete example or special case first.',
  'Write down the relevant definitions, formulas or rules before applying them.',
  'Reason backwards from what the answer must satisfy.',
  'Consider every case separately and check that the cases cover everything.',
  'Look for an invariant, a symmetry or a conserved quantity.',
  'Estimate the order of magnitude of the answer to check the final result.',
  'Check each step for arithmetic and logical errors before moving on.',
  'Consider alternative interpretations of the question and pick the intended one.',
  'Identify hidden assumptions and test whether they hold.',
  'Compare with a similar, already solved problem.',
  'Verify the final answer against every condition of the problem.',
] as const
