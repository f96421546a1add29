// Evaluation videos: envs/render.hpp puts each shape's colour exactly where its geometry says (pixel
// centres, y up, aspect ratio kept), and algorithms/video.hpp writes GIFs that decode back to the rendered
// pixels bit for bit, atomically, and rejects files that are not GIFs in one line. The GIF cases need
// giflib (IMITATE_HAVE_GIF); the rendering cases always run.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "algorithms/io/atomic_file.hpp"
#include "envs/render.hpp"
#ifdef IMITATE_HAVE_GIF
#include "algorithms/video.hpp"
#endif

using namespace imitate;

template <>
struct doctest::StringMaker<std::array<int, 3>> {  // failing colour checks print (r, g, b)
    static doctest::String convert(const std::array<int, 3>& c) {
        return ("(" + std::to_string(c[0]) + ", " + std::to_string(c[1]) + ", " + std::to_string(c[2]) + ")").c_str();
    }
};

namespace {

using RGB = std::array<int, 3>;
const RGB white{255, 255, 255}, red{220, 30, 30}, blue{40, 60, 200}, green{20, 160, 60};

Shape disc(double x, double y, double r, RGB c) {
    Shape s;
    s.kind = Shape::Disc, s.x = x, s.y = y, s.a = r;
    for (int k = 0; k < 3; ++k) s.rgb[k] = uint8_t(c[k]);
    return s;
}
Shape box(double x, double y, double a, double b, double angle, RGB c) {
    Shape s = disc(x, y, 0, c);
    s.kind = Shape::Box, s.a = a, s.b = b, s.angle = angle;
    return s;
}
Shape segment(double x0, double y0, double x1, double y1, double width, RGB c) {
    Shape s = disc(x0, y0, 0, c);
    s.kind = Shape::Segment, s.a = x1, s.b = y1, s.width = width;
    return s;
}

RGB pixel(const Image& img, int i, int j) {
    const uint8_t* p = &img.rgb[(size_t(j) * img.width + i) * 3];
    return {p[0], p[1], p[2]};
}

// The colour at world point (wx, wy) of an image of the square world [-1, 1]^2 rendered N x N: the pixel
// whose square contains the point (column from the left, row from the top since y is up).
RGB at(const Image& img, double wx, double wy) {
    const double scale = img.width / 2.0;
    return pixel(img, int(std::floor((wx + 1) * scale)), int(std::floor((1 - wy) * scale)));
}

// Extent of colour c along row j and along column i: the number of pixels of that colour.
int count_row(const Image& img, int j, RGB c) {
    int n = 0;
    for (int i = 0; i < img.width; ++i) n += pixel(img, i, j) == c;
    return n;
}
int count_col(const Image& img, int i, RGB c) {
    int n = 0;
    for (int j = 0; j < img.height; ++j) n += pixel(img, i, j) == c;
    return n;
}

}  // namespace

TEST_CASE("render: a disc's colour at its centre, background outside, y up") {
    Scene sc;  // [-1, 1]^2, 200 x 200: 100 pixels per unit
    sc.shapes = {disc(0.5, 0.5, 0.2, red)};
    const Image img = render(sc, 200, 200);
    REQUIRE(img.width == 200);
    REQUIRE(img.height == 200);
    REQUIRE(img.rgb.size() == 200u * 200u * 3u);
    CHECK(at(img, 0.5, 0.5) == red);
    CHECK(pixel(img, 150, 50) == red);  // top right: row 50 is above the middle
    CHECK(at(img, 0.5, 0.685) == red);  // inside the rim
    CHECK(at(img, 0.5, 0.715) == white);  // outside the rim
    CHECK(at(img, 0.66, 0.66) == white);  // inside the bounding square, outside the circle
    CHECK(at(img, 0.5, -0.5) == white);  // mirrored in y: nothing
    CHECK(at(img, -0.9, -0.9) == white);
    // The disc covers about π r² = 0.1257 world units² = 1257 pixels.
    int n = 0;
    for (int j = 0; j < 200; ++j) n += count_row(img, j, red);
    CHECK(std::abs(n - 1257) < 30);
}

TEST_CASE("render: a rotated box and a thick segment (capsule), later shapes on top") {
    Scene sc;
    sc.shapes = {box(0, 0, 0.8, 0.1, M_PI / 4, blue),           // a bar along the diagonal y = x
                 segment(-0.8, -0.6, 0.6, -0.6, 0.2, green),    // a horizontal capsule, radius 0.1
                 disc(0, 0, 0.05, red)};                        // on top of the bar
    const Image img = render(sc, 200, 200);
    CHECK(at(img, 0.4, 0.4) == blue);     // on the diagonal
    CHECK(at(img, -0.35, -0.35) == blue);
    CHECK(at(img, 0.4, -0.4) == white);   // the other diagonal
    CHECK(at(img, 0.7, 0.05) == white);   // inside the unrotated box, outside the rotated one
    CHECK(at(img, 0.55, 0.62) == white);  // beyond the bar's end along the diagonal (0.83 > 0.8)
    CHECK(at(img, 0.0, 0.0) == red);      // drawn last, so on top
    CHECK(at(img, 0.07, 0.07) == blue);   // outside the disc, still on the bar

    CHECK(at(img, 0.0, -0.6) == green);
    CHECK(at(img, 0.0, -0.685) == green);
    CHECK(at(img, 0.0, -0.715) == white);
    CHECK(at(img, 0.655, -0.6) == green);   // the round cap reaches 0.7 on the axis
    CHECK(at(img, 0.655, -0.655) == green);  // 0.078 from the end: in the cap
    CHECK(at(img, 0.685, -0.685) == white);  // 0.12 from the end: in a square cap, not a round one
    CHECK(at(img, 0.715, -0.6) == white);
}

TEST_CASE("render: aspect ratio kept, world centred, margins show more of the world") {
    // A 4 x 2 world in a 100 x 100 image: 25 pixels per unit, the world fills rows 25..75.
    Scene wide;
    wide.xmin = -2, wide.xmax = 2, wide.ymin = -1, wide.ymax = 1;
    wide.shapes = {disc(0, 0, 0.5, red), disc(1.9, 0, 0.05, blue), disc(0, 1.5, 0.2, green)};
    const Image a = render(wide, 100, 100);
    CHECK(count_row(a, 50, red) == count_col(a, 50, red));  // a circle, not an ellipse
    CHECK(std::abs(count_row(a, 50, red) - 25) <= 1);
    CHECK(pixel(a, 97, 49) == blue);         // x = 1.9 maps to column 97.5
    CHECK(pixel(a, 50, 12) == green);        // y = 1.5 lies in the top margin (row 12.5)
    // A square world in a 200 x 100 image: 50 pixels per unit, centred with 50-pixel margins left and right.
    Scene square;
    square.shapes = {disc(0, 0, 0.5, red), box(-1, 0, 0.02, 0.02, 0, blue)};
    const Image b = render(square, 200, 100);
    CHECK(count_row(b, 50, red) == count_col(b, 100, red));
    CHECK(std::abs(count_row(b, 50, red) - 50) <= 1);
    CHECK(pixel(b, 100, 50) == red);
    CHECK(pixel(b, 50, 50) == blue);  // x = -1 is column 50, not 0
    CHECK(pixel(b, 10, 50) == white);
}

TEST_CASE("render: invalid sizes and rectangles are refused, far or empty shapes are harmless") {
    Scene sc;
    CHECK_THROWS_AS(render(sc, 0, 10), std::invalid_argument);
    CHECK_THROWS_AS(render(sc, 10, -1), std::invalid_argument);
    sc.xmax = sc.xmin;
    CHECK_THROWS_WITH_AS(render(sc, 10, 10), doctest::Contains("expected finite bounds with min < max"),
                         std::invalid_argument);
    sc = Scene{};
    sc.ymin = NAN;
    CHECK_THROWS_AS(render(sc, 10, 10), std::invalid_argument);
    sc = Scene{};
    sc.shapes = {disc(0, 0, 1e300, red), disc(1e300, -1e300, 1e300, blue), disc(0, 0, -1, green),
                 segment(5, 5, 7, 7, 0.1, green), box(NAN, 0, 1, 1, 0, green)};
    CHECK_THROWS_WITH_AS(render(sc, 10, 10), doctest::Contains("scene.shapes[4]"), std::invalid_argument);
    sc.shapes.pop_back();
    const Image img = render(sc, 10, 10);  // huge discs: nothing overflows into a wrong answer
    for (int j = 0; j < 10; ++j) CHECK(count_row(img, j, red) == 10);
    sc.shapes.erase(sc.shapes.begin(), sc.shapes.begin() + 2);
    const Image empty = render(sc, 10, 10);
    CHECK(empty.rgb == std::vector<uint8_t>(300, 255));
}

#ifdef IMITATE_HAVE_GIF

namespace {

// N frames of a disc moving right past a rotating bar, 64 x 48 (not square, not a multiple of 8 wide).
std::vector<Image> clip(int N) {
    std::vector<Image> frames;
    for (int t = 0; t < N; ++t) {
        Scene sc;
        sc.xmin = -1.5, sc.xmax = 1.5;
        sc.shapes = {box(0, 0, 0.9, 0.08, 0.3 * t, blue), segment(-1, -0.8, 1, -0.8, 0.1, green),
                     disc(-1 + 0.5 * t, 0.3, 0.25, red)};
        frames.push_back(render(sc, 64, 48));
    }
    return frames;
}

std::string bytes_of(const std::string& path) { return read_file(path); }

}  // namespace

TEST_CASE("gif: N frames written and decoded give back the rendered pixels exactly") {
    const std::string path = IMITATE_BUILD_DIR "/test_video_clip.gif";
    const std::vector<Image> frames = clip(5);
    write_gif(path, frames, 7);
    REQUIRE(gif_frame_count(path) == 5);
    for (int k = 0; k < 5; ++k) {
        const Image g = gif_frame(path, k);
        CHECK(g.width == 64);
        CHECK(g.height == 48);
        CHECK(g.rgb == frames[k].rgb);
    }
    const std::string b = bytes_of(path);
    CHECK(b.substr(0, 6) == "GIF89a");
    // Loops forever: NETSCAPE2.0, sub-block of 3 bytes {1, loop count 0 (little-endian)}.
    CHECK(b.find(std::string("NETSCAPE2.0\x03\x01\x00\x00", 15)) != std::string::npos);
    // Each frame's graphics control extension: 21 F9 04 <flags> <delay 7, little-endian>.
    size_t n = 0;
    for (size_t p = b.find("\x21\xF9\x04"); p != std::string::npos; p = b.find("\x21\xF9\x04", p + 1)) {
        CHECK(b[p + 4] == 7);
        CHECK(b[p + 5] == 0);
        ++n;
    }
    CHECK(n == 5);
    CHECK_THROWS_WITH_AS(gif_frame(path, 5), doctest::Contains("frame 5 requested, the file has 5"), std::runtime_error);
    std::filesystem::remove(path);
}

TEST_CASE("gif: more than 256 colours in all, at most 256 per frame, stays exact; more per frame is quantized") {
    const std::string path = IMITATE_BUILD_DIR "/test_video_colours.gif";
    // Two 20 x 10 frames of 200 distinct colours each, 400 in all: per-frame palettes, still exact.
    std::vector<Image> frames(2, Image{20, 10, std::vector<uint8_t>(600)});
    for (int k = 0; k < 2; ++k)
        for (int p = 0; p < 200; ++p) {
            frames[k].rgb[3 * p] = uint8_t(p);
            frames[k].rgb[3 * p + 1] = uint8_t(k * 100);
            frames[k].rgb[3 * p + 2] = uint8_t(255 - p);
        }
    write_gif(path, frames, 10);
    REQUIRE(gif_frame_count(path) == 2);
    CHECK(gif_frame(path, 0).rgb == frames[0].rgb);
    CHECK(gif_frame(path, 1).rgb == frames[1].rgb);
    // One 64 x 64 frame of 4096 colours (a smooth gradient): quantized to 256, close but not exact.
    Image grad{64, 64, std::vector<uint8_t>(64 * 64 * 3)};
    for (int j = 0; j < 64; ++j)
        for (int i = 0; i < 64; ++i) {
            uint8_t* p = &grad.rgb[(size_t(j) * 64 + i) * 3];
            p[0] = uint8_t(4 * i), p[1] = uint8_t(4 * j), p[2] = 128;
        }
    write_gif(path, {grad}, 10);
    const Image g = gif_frame(path, 0);
    REQUIRE(g.rgb.size() == grad.rgb.size());
    double err = 0;
    for (size_t p = 0; p < g.rgb.size(); ++p) err += std::abs(int(g.rgb[p]) - int(grad.rgb[p]));
    CHECK(err / double(g.rgb.size()) < 8.0);
    std::filesystem::remove(path);
}

TEST_CASE("gif: a failing write throws naming the path and leaves no file") {
    const std::string dir = IMITATE_BUILD_DIR "/test_video_no_such_dir";
    std::filesystem::remove_all(dir);
    const std::string path = dir + "/clip.gif";
    CHECK_THROWS_WITH_AS(write_gif(path, clip(2), 5), doctest::Contains(path.c_str()), std::runtime_error);
    CHECK(!std::filesystem::exists(dir));
    // An existing file is left as it was when the frames are refused.
    const std::string kept = IMITATE_BUILD_DIR "/test_video_kept.gif";
    write_gif(kept, clip(2), 5);
    const std::string before = bytes_of(kept);
    std::vector<Image> mixed = clip(2);
    mixed.push_back(render(Scene{}, 32, 32));
    CHECK_THROWS_WITH_AS(write_gif(kept, mixed, 5), doctest::Contains("frame 2 is 32x32, expected 64x48"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(write_gif(kept, {}, 5), doctest::Contains("no frames"), std::runtime_error);
    CHECK_THROWS_WITH_AS(write_gif(kept, clip(1), 70000), doctest::Contains("expected 0..65535"), std::runtime_error);
    Image torn = clip(1)[0];
    torn.rgb.pop_back();
    CHECK_THROWS_WITH_AS(write_gif(kept, {torn}, 5), doctest::Contains("bytes, expected 3 * 64 * 48"),
                         std::runtime_error);
    CHECK(bytes_of(kept) == before);
    for (const auto& e : std::filesystem::directory_iterator(IMITATE_BUILD_DIR))
        CHECK(e.path().filename().string().find("test_video_kept.gif.tmp") == std::string::npos);
    std::filesystem::remove(kept);
}

TEST_CASE("gif: truncated and garbage files are rejected in one line naming the file") {
    const std::string good = IMITATE_BUILD_DIR "/test_video_good.gif";
    write_gif(good, clip(3), 5);
    const std::string bytes = bytes_of(good);
    auto one_line_error = [](const std::string& path) {
        try {
            gif_frame_count(path);
        } catch (const std::runtime_error& e) {
            const std::string m = e.what();
            CHECK(m.rfind(path + ": ", 0) == 0);
            CHECK(m.find('\n') == std::string::npos);
            return true;
        }
        return false;
    };
    const std::string bad = IMITATE_BUILD_DIR "/test_video_bad.gif";
    for (const std::string& content : {std::string("hello, this is not a GIF at all"), std::string(),
                                       bytes.substr(0, 6), bytes.substr(0, 30), bytes.substr(0, bytes.size() / 2),
                                       bytes.substr(0, bytes.size() - 40)}) {
        write_file_atomic(bad, content);
        CAPTURE(content.size());
        CHECK(one_line_error(bad));
        CHECK_THROWS_AS(gif_frame(bad, 0), std::runtime_error);
    }
    CHECK(one_line_error(IMITATE_BUILD_DIR "/test_video_missing.gif"));
    CHECK(gif_frame_count(good) == 3);
    std::filesystem::remove(bad);
    std::filesystem::remove(good);
}

#endif  // IMITATE_HAVE_GIF
