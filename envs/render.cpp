// Rasterization by testing pixel centres, one bounding box per shape: each shape is scanned only over the
// pixels its world-space bounding box covers, and a pixel centre is mapped back to world coordinates and
// tested against the shape's exact geometry. Readable rather than fast; a 256x256 frame of a few shapes
// costs well under a millisecond.
#include "envs/render.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace imitate {

namespace {

// The world <-> pixel map: x_world = cx + (px - W/2) / scale, y_world = cy - (py - H/2) / scale.
struct View {
    double cx, cy, scale;
    int width, height;
    double world_x(double px) const { return cx + (px - 0.5 * width) / scale; }
    double world_y(double py) const { return cy - (py - 0.5 * height) / scale; }
    double pixel_x(double wx) const { return 0.5 * width + (wx - cx) * scale; }
    double pixel_y(double wy) const { return 0.5 * height - (wy - cy) * scale; }
};

bool finite(std::initializer_list<double> v) {
    return std::all_of(v.begin(), v.end(), [](double d) { return std::isfinite(d); });
}

// Distance from p to the segment p0-p1 (to p0 if the segment is a point).
double segment_distance(double px, double py, double x0, double y0, double x1, double y1) {
    const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    const double t = len2 > 0 ? std::clamp(((px - x0) * dx + (py - y0) * dy) / len2, 0.0, 1.0) : 0.0;
    return std::hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}

// Shape s -> whether the world point (x, y) is inside it.
bool contains(const Shape& s, double x, double y) {
    switch (s.kind) {
    case Shape::Disc:
        return std::hypot(x - s.x, y - s.y) <= s.a;  // hypot: no overflow for far-away discs
    case Shape::Box: {  // rotate the offset by -angle into the box's own frame
        const double c = std::cos(s.angle), sn = std::sin(s.angle), dx = x - s.x, dy = y - s.y;
        return std::abs(c * dx + sn * dy) <= s.a && std::abs(-sn * dx + c * dy) <= s.b;
    }
    case Shape::Segment:
        return segment_distance(x, y, s.x, s.y, s.a, s.b) <= 0.5 * s.width;
    }
    return false;
}

// Shape s -> its world bounding box {x0, y0, x1, y1}, or false if it draws nothing.
bool bounds(const Shape& s, double box[4]) {
    double rx = 0, ry = 0;
    switch (s.kind) {
    case Shape::Disc:
        if (s.a < 0) return false;
        rx = ry = s.a;
        box[0] = s.x, box[1] = s.y, box[2] = s.x, box[3] = s.y;
        break;
    case Shape::Box: {
        if (s.a < 0 || s.b < 0) return false;
        const double c = std::abs(std::cos(s.angle)), sn = std::abs(std::sin(s.angle));
        rx = c * s.a + sn * s.b;
        ry = sn * s.a + c * s.b;
        box[0] = s.x, box[1] = s.y, box[2] = s.x, box[3] = s.y;
        break;
    }
    case Shape::Segment:
        if (s.width < 0) return false;
        rx = ry = 0.5 * s.width;
        box[0] = std::min(s.x, s.a), box[1] = std::min(s.y, s.b);
        box[2] = std::max(s.x, s.a), box[3] = std::max(s.y, s.b);
        break;
    default:
        return false;
    }
    box[0] -= rx, box[1] -= ry, box[2] += rx, box[3] += ry;
    return true;
}

}  // namespace

Image render(const Scene& scene, int width, int height) {
    // scene: world rectangle and shapes; out: Image (height, width, 3)
    if (width <= 0 || height <= 0)
        throw std::invalid_argument("render: image size " + std::to_string(width) + "x" + std::to_string(height) +
                                    ", expected positive width and height");
    if (!finite({scene.xmin, scene.xmax, scene.ymin, scene.ymax}) || !(scene.xmax > scene.xmin) ||
        !(scene.ymax > scene.ymin) ||
        !std::isfinite(scene.xmax - scene.xmin) || !std::isfinite(scene.ymax - scene.ymin))
        throw std::invalid_argument("render: scene rectangle x [" + std::to_string(scene.xmin) + ", " +
                                    std::to_string(scene.xmax) + "], y [" + std::to_string(scene.ymin) + ", " +
                                    std::to_string(scene.ymax) + "], expected finite bounds with min < max");
    const View v{0.5 * (scene.xmin + scene.xmax), 0.5 * (scene.ymin + scene.ymax),
                 std::min(width / (scene.xmax - scene.xmin), height / (scene.ymax - scene.ymin)), width, height};

    Image img{width, height, std::vector<uint8_t>(size_t(width) * size_t(height) * 3, 255)};
    for (size_t k = 0; k < scene.shapes.size(); ++k) {
        const Shape& s = scene.shapes[k];
        if (!finite({s.x, s.y, s.a, s.b, s.angle, s.width}))
            throw std::invalid_argument("render: scene.shapes[" + std::to_string(k) + "] has a non-finite field");
        double box[4];
        if (!bounds(s, box)) continue;
        // Pixel columns i whose centre i + 0.5 can lie in [pixel_x(x0), pixel_x(x1)], clamped to the image
        // before converting to int (a far-away shape must not overflow). Rows likewise, y flipped.
        auto clamp_to = [](double p, int n) { return p >= n ? n : p > 0 ? int(p) : 0; };  // NaN -> 0
        const int i0 = clamp_to(std::floor(v.pixel_x(box[0])), width), i1 = clamp_to(std::ceil(v.pixel_x(box[2])), width);
        const int j0 = clamp_to(std::floor(v.pixel_y(box[3])), height), j1 = clamp_to(std::ceil(v.pixel_y(box[1])), height);
        for (int j = j0; j < j1; ++j) {
            const double wy = v.world_y(j + 0.5);
            for (int i = i0; i < i1; ++i) {
                if (!contains(s, v.world_x(i + 0.5), wy)) continue;
                uint8_t* p = &img.rgb[(size_t(j) * size_t(width) + size_t(i)) * 3];
                p[0] = s.rgb[0], p[1] = s.rgb[1], p[2] = s.rgb[2];
            }
        }
    }
    return img;
}

}  // namespace imitate
