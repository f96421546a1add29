// Evaluation videos: animated GIFs of rendered frames (envs/render.hpp) through giflib, written atomically.
// Only built when giflib is found (Meson feature `gif`); callers guard their use with #ifdef IMITATE_HAVE_GIF.
// A frame with at most 256 colours (every rendered Scene) is stored exactly: decoding gives back its pixels.
#pragma once
#include <string>
#include <vector>

#include "envs/render.hpp"

namespace imitate {

// Writes `frames` as a GIF89a that loops forever (NETSCAPE2.0 extension), each frame shown for
// `delay_centiseconds` (0..65535; browsers show 0 and 1 as 10). All frames must be the same size, at most
// 65535 x 65535, with rgb.size() == 3 * width * height.
// Palette: one global palette of the colours present in all frames when there are at most 256 (exact);
// otherwise a per-frame palette, exact for a frame with at most 256 colours and giflib's median-cut
// GifQuantizeBuffer (256 colours, lossy) for a frame with more.
// The file is encoded in memory and renamed into place (write_file_atomic): on any failure no file
// exists under `path`. Throws std::runtime_error("<path>: <reason>") for no frames, mismatched or
// malformed frames, a delay out of range, a giflib error (with GifErrorString) or a failed write.
void write_gif(const std::string& path, const std::vector<Image>& frames, int delay_centiseconds);

// The number of images in the GIF at `path` (decoded whole with DGifSlurp).
// Throws std::runtime_error("<path>: ...") in one line if the file cannot be read or is not a valid GIF.
int gif_frame_count(const std::string& path);

// Frame `index` (0-based) of the GIF at `path` as it appears on screen: an image of the logical screen's
// size, frames 0..index composed in order (sub-rectangles, transparent colour, disposal modes) on a white
// canvas; what a viewer shows as transparent (never drawn, or disposed to background) is white.
// Throws std::runtime_error("<path>: ...") in one line for an index out of range, a file that is not a
// valid GIF, a pixel index beyond its colour map, or a screen larger than 2^26 pixels.
Image gif_frame(const std::string& path, int index);

}  // namespace imitate
