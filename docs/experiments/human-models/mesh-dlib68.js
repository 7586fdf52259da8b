// Face mesh vertex for each of dlib's 68 points (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47,
// mouth 48-67), the correspondence in common use for MediaPipe's canonical mesh.
const MESH_TO_DLIB68 = [127, 234, 132, 58, 172, 150, 149, 148, 152, 377, 378, 379, 397, 288, 361, 454, 356,
  70, 63, 105, 66, 107, 336, 296, 334, 293, 300, 168, 197, 5, 4, 75, 97, 2, 326, 305,
  33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
  61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, 78, 82, 13, 312, 308, 317, 14, 87];

module.exports = { MESH_TO_DLIB68 };
