// Builds the demo page (www/: <oss-uploader> from "oss-resumable/widget" and a settings panel) into www/dist against the npm package in pkg/ (`make package`),
// consumed exactly as an app would consume it from node_modules: `import { Uploader } from
// "oss-resumable"`. The package's entry instantiates the .wasm with top-level await and finds it
// through `new URL("./oss_resumable_bg.wasm", import.meta.url)`, which webpack 5 emits as an asset;
// no wasm-specific configuration is needed.
const path = require("path");
const HtmlWebpackPlugin = require("html-webpack-plugin");

module.exports = (env, argv) => ({
  entry: "./www/index.js",
  output: {
    path: path.resolve(__dirname, "www/dist"),
    filename: "[name].[contenthash:8].js",
    assetModuleFilename: "[name].[contenthash:8][ext]",
    clean: true,
  },
  resolve: {
    alias: {
      "oss-resumable$": path.resolve(__dirname, "pkg"),
      "oss-resumable/widget$": path.resolve(__dirname, "pkg/widget/index.js"),
    },
  },
  module: { rules: [{ test: /\.css$/, type: "asset/resource" }] },
  plugins: [new HtmlWebpackPlugin({ template: "./www/index.html", scriptLoading: "module" })],
  devtool: argv.mode === "development" ? "source-map" : false,
  performance: { hints: false },
});
