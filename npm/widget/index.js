// oss-resumable/widget: importing it defines <oss-uploader> (once, however often it is
// imported) and exports its class. The library is loaded through its public entry.
import { OssUploader } from "./element.js";

if (!customElements.get("oss-uploader")) customElements.define("oss-uploader", OssUploader);

export { OssUploader };
