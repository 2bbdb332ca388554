/** The part of jStat (no published types) the simulation uses. */
declare module 'jstat' {
  const jstat: {
    jStat: {
      beta: {
        /** The Beta(alpha, beta) quantile of p. */
        inv(p: number, alpha: number, beta: number): number
      }
    }
  }
  export default jstat
}
