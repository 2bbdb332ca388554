/**
 * The judging toolkit every approach that rates, verifies, compares or searches uses: drafting candidates
 * concurrently (the first offered as the best so far), ratings read in every common form and re-asked once when
 * unreadable, pairwise comparison in both orders, verification with a pass threshold, UCT selection, and one set of
 * tie rules (see judging/select.ts). Every upstream call carries a step label and every rating, comparison and
 * winner is recorded for the request's trace.
 */
export { type Candidate, draftCandidates } from './judging/candidates.js'
export { compareInBothOrders } from './judging/compare.js'
export { askForScore, createRatingRequest, rateAndSelect, rateCandidate, ratingPrompt, ratingReaskPrompt } from './judging/rate.js'
export { readScore, readVerdict } from './judging/read-score.js'
export { computeUct, type Scored, selectBest, selectByUct, type UctNode } from './judging/select.js'
export { type Verification, verificationReaskPrompt, verifyCandidate } from './judging/verify.js'
