/** eddy's version, reported by the API and `eddy --version`. */
export const VERSION = "0.1.0";
