// Software rasterizer for evaluation videos: turns an Env::draw() Scene (envs/env.hpp) into RGB pixels.
// Standard library only. Each pixel takes the colour of the last shape that contains its centre (no
// anti-aliasing), so a frame has exactly the colours of its scene plus white: GIFs of it are lossless.
#pragma once
#include <cstdint>
#include <vector>

#include "envs/env.hpp"

namespace imitate {

// An 8-bit RGB image, rows top to bottom, pixel (x, y) at rgb[3 * (y * width + x) + c].
struct Image {
    int width = 0, height = 0;
    std::vector<uint8_t> rgb;  // (height, width, 3)
};

// Draws `scene` into a width x height image: white background, then the shapes in order.
// The world rectangle [xmin, xmax] x [ymin, ymax] is scaled uniformly (aspect ratio kept, y up) to the
// largest size that fits and centred; the margin left on the other axis shows more of the world, so a
// shape sticking out of the rectangle into the margin is drawn there. Pixel (i, j) is inside a shape iff
// its centre (i + 0.5, j + 0.5) is: Disc within radius a; Box within half-sizes (a, b) after rotating by
// -angle about (x, y); Segment within width / 2 of the segment (x, y)-(a, b) (a capsule). Shapes with a
// negative radius, half-size or width draw nothing.
// Throws std::invalid_argument for width or height <= 0, a rectangle with xmax <= xmin or ymax <= ymin
// or a non-finite bound, or a shape with a non-finite field (naming the shape's index).
Image render(const Scene& scene, int width, int height);

}  // namespace imitate
