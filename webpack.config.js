// Builds the upload widget (www/) against the wasm package in pkg/ (`make package`).
const path = require("path");
const HtmlWebpackPlugin = require("html-webpack-plugin");

module.exports = {
  entry: "./www/index.js",
  output: {
    path: path.resolve(__dirname, "www/dist"),
    filename: "[name].[contenthash].js",
    clean: true,
  },
  // wasm-pack's `--target bundler` output imports the .wasm as an ES module.
  experiments: { asyncWebAssembly: true },
  resolve: { alias: { "oss-resumable": path.resolve(__dirname, "pkg") } },
  module: { rules: [{ test: /\.css$/, type: "asset/resource" }] },
  plugins: [new HtmlWebpackPlugin({ template: "./www/index.html" })],
  performance: { hints: false },
};
