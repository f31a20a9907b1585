export * from "./ber-reader.js";
export * as der from "./der-writer.js";
