// Animated GIF writer and reader on giflib's low-level API. The writer encodes into a std::string through
// EGifOpen's output callback, then hands the bytes to write_file_atomic, so giflib never touches the file
// system and a failure at any step leaves nothing under the final name. The reader slurps the file
// (DGifSlurp) from memory and composes frames the way a viewer does.
#include "algorithms/video.hpp"

#include <gif_lib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <unordered_map>

#include "algorithms/io/atomic_file.hpp"

namespace imitate {

namespace {

std::string gif_error(int code) {
    const char* s = GifErrorString(code);
    return s ? s : "giflib error " + std::to_string(code);
}

uint32_t rgb_key(const uint8_t* p) { return uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2]; }

using MapPtr = std::unique_ptr<ColorMapObject, decltype(&GifFreeMapObject)>;

// An exact palette: colours in order of first appearance, at most 256.
struct Palette {
    std::vector<GifColorType> colors;
    std::unordered_map<uint32_t, GifPixelType> index;

    // Adds the frame's colours; false once more than 256 are needed (the palette is then unusable).
    bool add(const Image& f) {
        for (size_t p = 0; p < f.rgb.size(); p += 3) {
            const uint8_t* c = &f.rgb[p];
            if (index.count(rgb_key(c))) continue;
            if (colors.size() == 256) return false;
            index.emplace(rgb_key(c), GifPixelType(colors.size()));
            colors.push_back({c[0], c[1], c[2]});
        }
        return true;
    }
    // frame (H,W,3) -> indices (H*W)
    void indices(const Image& f, std::vector<GifPixelType>& out) const {
        for (size_t p = 0; p < out.size(); ++p) out[p] = index.at(rgb_key(&f.rgb[3 * p]));
    }
};

// GifMakeMapObject wants a power-of-two colour count (at least 2): pad with black.
MapPtr make_map(std::vector<GifColorType> colors) {
    colors.resize(size_t(1) << GifBitSize(int(colors.size())), GifColorType{0, 0, 0});
    return MapPtr(GifMakeMapObject(int(colors.size()), colors.data()), &GifFreeMapObject);
}

// giflib's output callback: appends to the std::string in UserData. Returning fewer bytes than asked makes
// giflib report E_GIF_ERR_WRITE_FAILED (an exception must not unwind through C frames).
int append_bytes(GifFileType* gif, const GifByteType* data, int n) {
    try {
        static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), size_t(n));
        return n;
    } catch (const std::bad_alloc&) {
        return 0;
    }
}

// giflib's input callback over an in-memory file.
struct Reader {
    const std::string* bytes;
    size_t pos = 0;
};
int read_bytes(GifFileType* gif, GifByteType* out, int n) {
    auto* r = static_cast<Reader*>(gif->UserData);
    const size_t k = std::min(size_t(n), r->bytes->size() - r->pos);
    std::memcpy(out, r->bytes->data() + r->pos, k);
    r->pos += k;
    return int(k);
}

using Decoded = std::unique_ptr<GifFileType, void (*)(GifFileType*)>;

// The whole file decoded (every frame's indices, colour maps and extensions), or a one-line error.
Decoded slurp(const std::string& path) {
    const std::string bytes = read_file(path);
    Reader reader{&bytes};
    int err = 0;
    Decoded gif(DGifOpen(&reader, &read_bytes, &err), [](GifFileType* g) { DGifCloseFile(g, nullptr); });
    if (!gif) throw std::runtime_error(path + ": not a GIF (" + gif_error(err) + ")");
    if (DGifSlurp(gif.get()) != GIF_OK)
        throw std::runtime_error(path + ": not a valid GIF (" + gif_error(gif->Error) + ")");
    return gif;  // the bytes may go: DGifSlurp has read everything
}

}  // namespace

void write_gif(const std::string& path, const std::vector<Image>& frames, int delay_centiseconds) {
    // frames: N images (H,W,3), all the same size
    // 1. check the frames
    if (frames.empty()) throw std::runtime_error(path + ": no frames to write");
    if (delay_centiseconds < 0 || delay_centiseconds > 65535)
        throw std::runtime_error(path + ": delay " + std::to_string(delay_centiseconds) +
                                 " centiseconds, expected 0..65535");
    const int W = frames[0].width, H = frames[0].height;
    for (size_t k = 0; k < frames.size(); ++k) {
        const Image& f = frames[k];
        const std::string name = path + ": frame " + std::to_string(k);
        if (f.width != W || f.height != H)
            throw std::runtime_error(name + " is " + std::to_string(f.width) + "x" + std::to_string(f.height) +
                                     ", expected " + std::to_string(W) + "x" + std::to_string(H) + " (frame 0's size)");
        if (W <= 0 || H <= 0 || W > 65535 || H > 65535)
            throw std::runtime_error(name + " is " + std::to_string(W) + "x" + std::to_string(H) +
                                     ", expected 1..65535 pixels a side");
        if (f.rgb.size() != size_t(W) * size_t(H) * 3)
            throw std::runtime_error(name + " has " + std::to_string(f.rgb.size()) + " bytes, expected 3 * " +
                                     std::to_string(W) + " * " + std::to_string(H));
    }

    // 2. one exact global palette if all frames share at most 256 colours (every rendered scene does)
    Palette global;
    bool use_global = true;
    for (const Image& f : frames) use_global = use_global && global.add(f);

    // 3. screen, then the NETSCAPE2.0 extension: sub-block {1, loop count 0 = forever (little-endian)}
    std::string out;
    int err = 0;
    std::unique_ptr<GifFileType, void (*)(GifFileType*)> gif(EGifOpen(&out, &append_bytes, &err),
                                                            [](GifFileType* g) { EGifCloseFile(g, nullptr); });
    if (!gif) throw std::runtime_error(path + ": giflib cannot start encoding (" + gif_error(err) + ")");
    auto check = [&](int rc, const char* what) {
        if (rc != GIF_OK) throw std::runtime_error(path + ": giflib failed to " + what + " (" + gif_error(gif->Error) + ")");
    };
    EGifSetGifVersion(gif.get(), true);  // GIF89a: the low-level API would stamp 87a, which has no extensions
    MapPtr global_map = use_global ? make_map(global.colors) : MapPtr(nullptr, &GifFreeMapObject);
    if (use_global && !global_map) throw std::runtime_error(path + ": giflib cannot allocate the palette");
    check(EGifPutScreenDesc(gif.get(), W, H, 8, 0, global_map.get()), "write the screen descriptor");
    const GifByteType loop[3] = {1, 0, 0};
    check(EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE), "write the loop extension");
    check(EGifPutExtensionBlock(gif.get(), 11, "NETSCAPE2.0"), "write the loop extension");
    check(EGifPutExtensionBlock(gif.get(), 3, loop), "write the loop extension");
    check(EGifPutExtensionTrailer(gif.get()), "write the loop extension");

    // 4. each frame: graphics control (delay, no transparency), descriptor (+ local palette), LZW pixels
    std::vector<GifPixelType> pixels(size_t(W) * size_t(H));
    for (const Image& f : frames) {
        GraphicsControlBlock gcb{DISPOSE_DO_NOT, false, delay_centiseconds, NO_TRANSPARENT_COLOR};
        GifByteType gce[4];
        const size_t n = EGifGCBToExtension(&gcb, gce);
        check(EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, int(n), gce), "write a graphics control block");

        MapPtr local(nullptr, &GifFreeMapObject);
        if (use_global) {
            global.indices(f, pixels);
        } else if (Palette own; own.add(f)) {
            own.indices(f, pixels);
            local = make_map(own.colors);
        } else {  // more than 256 colours in this frame: median-cut quantization, lossy
            std::vector<GifByteType> r(pixels.size()), g(pixels.size()), b(pixels.size());
            for (size_t p = 0; p < pixels.size(); ++p) r[p] = f.rgb[3 * p], g[p] = f.rgb[3 * p + 1], b[p] = f.rgb[3 * p + 2];
            std::vector<GifColorType> colors(256);
            int count = 256;
            if (GifQuantizeBuffer(unsigned(W), unsigned(H), &count, r.data(), g.data(), b.data(), pixels.data(),
                                  colors.data()) != GIF_OK)
                throw std::runtime_error(path + ": giflib failed to quantize a frame of more than 256 colours");
            colors.resize(size_t(count));
            local = make_map(colors);
        }
        if (!use_global && !local) throw std::runtime_error(path + ": giflib cannot allocate a palette");
        check(EGifPutImageDesc(gif.get(), 0, 0, W, H, false, local.get()), "write an image descriptor");
        check(EGifPutLine(gif.get(), pixels.data(), int(pixels.size())), "compress a frame");
    }

    // 5. the trailer (EGifCloseFile writes it and frees the encoder), then the file in one atomic step
    if (EGifCloseFile(gif.release(), &err) != GIF_OK)
        throw std::runtime_error(path + ": giflib failed to finish the file (" + gif_error(err) + ")");
    if (out.empty() || out.back() != ';') throw std::runtime_error(path + ": giflib failed to write the trailer");
    write_file_atomic(path, out);
}

int gif_frame_count(const std::string& path) { return slurp(path)->ImageCount; }

Image gif_frame(const std::string& path, int index) {
    // out: Image (SHeight, SWidth, 3)
    const Decoded decoded = slurp(path);
    GifFileType* gif = decoded.get();
    if (index < 0 || index >= gif->ImageCount)
        throw std::runtime_error(path + ": frame " + std::to_string(index) + " requested, the file has " +
                                 std::to_string(gif->ImageCount));
    const int W = gif->SWidth, H = gif->SHeight;
    if (W <= 0 || H <= 0 || int64_t(W) * H > (int64_t(1) << 26))
        throw std::runtime_error(path + ": screen " + std::to_string(W) + "x" + std::to_string(H) +
                                 ", expected 1..2^26 pixels");
    Image canvas{W, H, std::vector<uint8_t>(size_t(W) * size_t(H) * 3, 255)};
    for (int k = 0; k <= index; ++k) {
        GraphicsControlBlock gcb;
        if (DGifSavedExtensionToGCB(gif, k, &gcb) != GIF_OK)  // no (valid) control block: defaults
            gcb = {DISPOSAL_UNSPECIFIED, false, 0, NO_TRANSPARENT_COLOR};
        const SavedImage& im = gif->SavedImages[k];
        const GifImageDesc& d = im.ImageDesc;
        const ColorMapObject* map = d.ColorMap ? d.ColorMap : gif->SColorMap;
        if (!map) throw std::runtime_error(path + ": frame " + std::to_string(k) + " has no colour map");
        const bool restore = gcb.DisposalMode == DISPOSE_PREVIOUS && k < index;
        const std::vector<uint8_t> before = restore ? canvas.rgb : std::vector<uint8_t>{};
        // 1. draw the frame's rectangle (clipped to the screen), skipping the transparent index
        for (int r = 0; r < d.Height; ++r)
            for (int c = 0; c < d.Width; ++c) {
                const int v = im.RasterBits[size_t(r) * size_t(d.Width) + size_t(c)];
                if (v == gcb.TransparentColor) continue;
                if (v >= map->ColorCount)
                    throw std::runtime_error(path + ": frame " + std::to_string(k) + " uses colour " + std::to_string(v) +
                                             " of a " + std::to_string(map->ColorCount) + "-colour map");
                const int x = d.Left + c, y = d.Top + r;
                if (x < 0 || x >= W || y < 0 || y >= H) continue;
                uint8_t* p = &canvas.rgb[(size_t(y) * size_t(W) + size_t(x)) * 3];
                p[0] = map->Colors[v].Red, p[1] = map->Colors[v].Green, p[2] = map->Colors[v].Blue;
            }
        if (k == index) break;
        // 2. dispose of it before the next frame: clear its rectangle, or restore what was under it
        if (restore) canvas.rgb = before;
        if (gcb.DisposalMode == DISPOSE_BACKGROUND)
            for (int y = std::max(d.Top, 0); y < std::min(d.Top + d.Height, H); ++y)
                for (int x = std::max(d.Left, 0); x < std::min(d.Left + d.Width, W); ++x)
                    std::memset(&canvas.rgb[(size_t(y) * size_t(W) + size_t(x)) * 3], 255, 3);
    }
    return canvas;
}

}  // namespace imitate
