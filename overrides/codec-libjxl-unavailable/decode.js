// The JPEG-XL decoder factory @cornerstonejs/dicom-image-loader imports, on a build without the
// codec: it refuses, naming the transfer syntax and why, so a JPEG-XL frame fails where the user
// looks instead of with an opaque WASM error. Twinscope refuses JPEG-XL files before decoding
// anyway (they are not in the viewer's transfer-syntax table); this is the second line.
export const JPEG_XL_UNAVAILABLE =
  'JPEG-XL (transfer syntaxes 1.2.840.10008.1.2.4.110–.112) is not supported by this build: its browser codec, @cornerstonejs/codec-libjxl 1.1.1, declares Node >= 24 and Twinscope supports Node 20; convert the file to JPEG 2000 or HTJ2K';

export default function jpegxlFactory() {
  return Promise.reject(new Error(JPEG_XL_UNAVAILABLE));
}
