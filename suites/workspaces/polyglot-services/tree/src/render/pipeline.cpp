// Thumbnail render pipeline: decode -> resize -> sharpen -> composite (watermark) -> encode.
//
// Each pass works on RGBA8 images. The pipeline object is not thread-safe except for the
// watermark registry, which the upload workers share.

#include "pipeline.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <jpeglib.h>
#include <png.h>

namespace acme::render {

namespace {

constexpr uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
constexpr uint8_t kJpegSignature[3] = {0xff, 0xd8, 0xff};

bool startsWith(const std::vector<uint8_t>& data, const uint8_t* prefix, size_t n) {
    return data.size() >= n && std::memcmp(data.data(), prefix, n) == 0;
}

uint8_t clampByte(float v) {
    return static_cast<uint8_t>(std::clamp(v, 0.0f, 255.0f));
}

struct PngReadState {
    const std::vector<uint8_t>* data;
    size_t offset;
};

void pngRead(png_structp png, png_bytep out, png_size_t length) {
    auto* state = static_cast<PngReadState*>(png_get_io_ptr(png));
    if (state->offset + length > state->data->size()) {
        png_error(png, "truncated PNG");
    }
    std::memcpy(out, state->data->data() + state->offset, length);
    state->offset += length;
}

Image decodePng(const std::vector<uint8_t>& data) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, nullptr);
        throw std::runtime_error("PNG decode failed");
    }
    PngReadState state{&data, 0};
    png_set_read_fn(png, &state, pngRead);
    png_read_info(png, info);

    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    png_read_update_info(png, info);

    Image image;
    image.width = static_cast<int>(png_get_image_width(png, info));
    image.height = static_cast<int>(png_get_image_height(png, info));
    image.channels = 4;
    image.pixels.resize(static_cast<size_t>(image.width) * image.height * 4);
    std::vector<png_bytep> rows(image.height);
    for (int y = 0; y < image.height; ++y) {
        rows[y] = image.row(y);
    }
    png_read_image(png, rows.data());
    png_destroy_read_struct(&png, &info, nullptr);
    return image;
}

Image decodeJpeg(const std::vector<uint8_t>& data) {
    jpeg_decompress_struct cinfo{};
    jpeg_error_mgr jerr{};
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data.data(), data.size());
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        jpeg_destroy_decompress(&cinfo);
        throw std::runtime_error("JPEG header unreadable");
    }
    cinfo.out_color_space = JCS_EXT_RGBA;
    jpeg_start_decompress(&cinfo);

    Image image;
    image.width = static_cast<int>(cinfo.output_width);
    image.height = static_cast<int>(cinfo.output_height);
    image.channels = 4;
    image.pixels.resize(static_cast<size_t>(image.width) * image.height * 4);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = image.row(static_cast<int>(cinfo.output_scanline));
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return image;
}

// Catmull-Rom weights for bicubic resampling.
float cubic(float x) {
    x = std::fabs(x);
    if (x < 1.0f) {
        return 1.5f * x * x * x - 2.5f * x * x + 1.0f;
    }
    if (x < 2.0f) {
        return -0.5f * x * x * x + 2.5f * x * x - 4.0f * x + 2.0f;
    }
    return 0.0f;
}

void fitInto(int srcW, int srcH, int maxW, int maxH, bool keepAspect, int& outW, int& outH) {
    if (!keepAspect) {
        outW = maxW;
        outH = maxH;
        return;
    }
    const double scale = std::min(static_cast<double>(maxW) / srcW, static_cast<double>(maxH) / srcH);
    outW = std::max(1, static_cast<int>(std::lround(srcW * scale)));
    outH = std::max(1, static_cast<int>(std::lround(srcH * scale)));
}

}  // namespace

Pipeline::Pipeline(RenderOptions options) : options_(std::move(options)) {
    if (options_.targetWidth <= 0 || options_.targetHeight <= 0) {
        throw std::invalid_argument("target size must be positive");
    }
    options_.jpegQuality = std::clamp(options_.jpegQuality, 1, 100);
}

void Pipeline::registerWatermark(const std::string& key, std::shared_ptr<Image> image) {
    std::lock_guard<std::mutex> lock(cacheMutex_);
    watermarks_[key] = std::move(image);
}

void Pipeline::timed(const std::string& name, const std::function<void()>& body) {
    const auto start = std::chrono::steady_clock::now();
    body();
    const auto end = std::chrono::steady_clock::now();
    stats_.push_back({name, std::chrono::duration<double, std::milli>(end - start).count()});
}

std::vector<uint8_t> Pipeline::run(const std::vector<uint8_t>& encoded) {
    stats_.clear();
    Image image;
    timed("decode", [&] { image = decode(encoded); });
    timed("orient", [&] { image = orient(std::move(image)); });
    timed("resize", [&] { image = resize(image); });
    if (options_.sharpenAmount > 0.0f) {
        timed("sharpen", [&] { sharpen(image); });
    }
    timed("composite", [&] { compositeLayers(image, buildLayers()); });
    std::vector<uint8_t> out;
    timed("encode", [&] { out = encode(image); });
    return out;
}

Image Pipeline::decode(const std::vector<uint8_t>& encoded) const {
    if (startsWith(encoded, kPngSignature, sizeof kPngSignature)) {
        return decodePng(encoded);
    }
    if (startsWith(encoded, kJpegSignature, sizeof kJpegSignature)) {
        return decodeJpeg(encoded);
    }
    throw std::runtime_error("unsupported image format");
}

Image Pipeline::resize(const Image& source) const {
    int outW = 0;
    int outH = 0;
    fitInto(source.width, source.height, options_.targetWidth, options_.targetHeight, options_.keepAspect, outW, outH);

    Image out;
    out.width = outW;
    out.height = outH;
    out.channels = 4;
    out.pixels.assign(static_cast<size_t>(outW) * outH * 4, 0);

    const float scaleX = static_cast<float>(source.width) / outW;
    const float scaleY = static_cast<float>(source.height) / outH;

    for (int y = 0; y < outH; ++y) {
        const float srcY = (y + 0.5f) * scaleY - 0.5f;
        const int y0 = static_cast<int>(std::floor(srcY));
        uint8_t* dst = out.row(y);
        for (int x = 0; x < outW; ++x) {
            const float srcX = (x + 0.5f) * scaleX - 0.5f;
            const int x0 = static_cast<int>(std::floor(srcX));
            float acc[4] = {0, 0, 0, 0};
            float weightSum = 0.0f;
            for (int ky = -1; ky <= 2; ++ky) {
                const int sy = std::clamp(y0 + ky, 0, source.height - 1);
                const float wy = cubic(srcY - (y0 + ky));
                const uint8_t* srcRow = source.row(sy);
                for (int kx = -1; kx <= 2; ++kx) {
                    const int sx = std::clamp(x0 + kx, 0, source.width - 1);
                    const float w = wy * cubic(srcX - (x0 + kx));
                    const uint8_t* px = srcRow + sx * 4;
                    for (int c = 0; c < 4; ++c) {
                        acc[c] += w * px[c];
                    }
                    weightSum += w;
                }
            }
            for (int c = 0; c < 4; ++c) {
                dst[x * 4 + c] = clampByte(acc[c] / weightSum);
            }
        }
    }
    return out;
}

void Pipeline::sharpen(Image& image) const {
    // Unsharp mask with a 3x3 box blur; alpha is left alone.
    const Image blurred = [&] {
        Image b = image;
        for (int y = 1; y < image.height - 1; ++y) {
            uint8_t* dst = b.row(y);
            for (int x = 1; x < image.width - 1; ++x) {
                for (int c = 0; c < 3; ++c) {
                    int sum = 0;
                    for (int dy = -1; dy <= 1; ++dy) {
                        const uint8_t* src = image.row(y + dy);
                        for (int dx = -1; dx <= 1; ++dx) {
                            sum += src[(x + dx) * 4 + c];
                        }
                    }
                    dst[x * 4 + c] = static_cast<uint8_t>(sum / 9);
                }
            }
        }
        return b;
    }();

    const float amount = options_.sharpenAmount;
    for (int y = 0; y < image.height; ++y) {
        uint8_t* px = image.row(y);
        const uint8_t* bl = blurred.row(y);
        for (int x = 0; x < image.width; ++x) {
            for (int c = 0; c < 3; ++c) {
                const float original = px[x * 4 + c];
                const float detail = original - bl[x * 4 + c];
                px[x * 4 + c] = clampByte(original + amount * detail);
            }
        }
    }
}

std::vector<Layer> Pipeline::buildLayers() const {
    std::vector<Layer> layers;
    if (options_.watermarkKey.empty()) {
        return layers;
    }
    std::shared_ptr<Image> mark;
    {
        std::lock_guard<std::mutex> lock(cacheMutex_);
        auto it = watermarks_.find(options_.watermarkKey);
        if (it != watermarks_.end()) {
            mark = it->second;
        }
    }
    // A missing watermark is logged by the caller; we still add the layer so the stats show it.
    Layer layer;
    layer.name = "watermark:" + options_.watermarkKey;
    layer.image = mark;
    layer.opacity = 0.6f;
    layer.x = options_.targetWidth - 8 - (mark ? mark->width : 0);
    layer.y = options_.targetHeight - 8 - (mark ? mark->height : 0);
    layers.push_back(layer);
    return layers;
}

std::vector<uint8_t> Pipeline::encode(const Image& image) const {
    jpeg_compress_struct cinfo{};
    jpeg_error_mgr jerr{};
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);

    unsigned char* buffer = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&cinfo, &buffer, &size);

    cinfo.image_width = static_cast<JDIMENSION>(image.width);
    cinfo.image_height = static_cast<JDIMENSION>(image.height);
    cinfo.input_components = 4;
    cinfo.in_color_space = JCS_EXT_RGBA;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, options_.jpegQuality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = const_cast<uint8_t*>(image.row(static_cast<int>(cinfo.next_scanline)));
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);

    std::vector<uint8_t> out(buffer, buffer + size);
    free(buffer);
    return out;
}

// ---------------------------------------------------------------------------------------------
// Orientation
// ---------------------------------------------------------------------------------------------
//
// Phones store pixels as the sensor saw them and put the rotation in the EXIF orientation tag
// (1-8). We bake it into the pixels before resizing so that thumbnails come out upright.

namespace {

Image rotate90(const Image& in, bool clockwise) {
    Image out;
    out.width = in.height;
    out.height = in.width;
    out.channels = in.channels;
    out.pixels.resize(in.pixels.size());
    for (int y = 0; y < in.height; ++y) {
        const uint8_t* src = in.row(y);
        for (int x = 0; x < in.width; ++x) {
            const int ox = clockwise ? in.height - 1 - y : y;
            const int oy = clockwise ? x : in.width - 1 - x;
            std::memcpy(out.row(oy) + ox * 4, src + x * 4, 4);
        }
    }
    return out;
}

void flipHorizontal(Image& image) {
    for (int y = 0; y < image.height; ++y) {
        uint8_t* row = image.row(y);
        for (int x = 0; x < image.width / 2; ++x) {
            std::swap_ranges(row + x * 4, row + x * 4 + 4, row + (image.width - 1 - x) * 4);
        }
    }
}

void flipVertical(Image& image) {
    const size_t stride = static_cast<size_t>(image.width) * 4;
    std::vector<uint8_t> tmp(stride);
    for (int y = 0; y < image.height / 2; ++y) {
        uint8_t* top = image.row(y);
        uint8_t* bottom = image.row(image.height - 1 - y);
        std::memcpy(tmp.data(), top, stride);
        std::memcpy(top, bottom, stride);
        std::memcpy(bottom, tmp.data(), stride);
    }
}

}  // namespace

Image Pipeline::orient(Image image) const {
    switch (options_.orientation) {
        case 1: return image;
        case 2: flipHorizontal(image); return image;
        case 3: flipHorizontal(image); flipVertical(image); return image;
        case 4: flipVertical(image); return image;
        case 5: image = rotate90(image, true); flipHorizontal(image); return image;
        case 6: return rotate90(image, true);
        case 7: image = rotate90(image, false); flipHorizontal(image); return image;
        case 8: return rotate90(image, false);
        default: throw std::invalid_argument("EXIF orientation must be 1-8");
    }
}

// ---------------------------------------------------------------------------------------------
// Compositing
// ---------------------------------------------------------------------------------------------
//
// Layers are blended over the base in order with straight (non-premultiplied) alpha:
//
//     out = src * a + dst * (1 - a),   a = src.alpha / 255 * mask / 255 * layer.opacity
//
// Layers may be partly outside the base image; the visible rectangle is clipped first. The
// mask, when present, has the layer's size and one meaningful channel (the first).

namespace {

struct Rect {
    int x0, y0, x1, y1;
    bool empty() const { return x1 <= x0 || y1 <= y0; }
};

Rect clip(const Image& base, const Layer& layer, int layerW, int layerH) {
    Rect r{layer.x, layer.y, layer.x + layerW, layer.y + layerH};
    r.x0 = std::max(r.x0, 0);
    r.y0 = std::max(r.y0, 0);
    r.x1 = std::min(r.x1, base.width);
    r.y1 = std::min(r.y1, base.height);
    return r;
}

inline uint8_t blend(uint8_t src, uint8_t dst, float a) {
    return clampByte(src * a + dst * (1.0f - a));
}

}  // namespace

void Pipeline::compositeLayers(Image& base, const std::vector<Layer>& layers) const {
    assert(base.channels == 4);
    for (const Layer& layer : layers) {
        if (layer.opacity <= 0.0f) {
            continue;
        }

        const Image& src = *layer.image;
        const Rect r = clip(base, layer, src.width, src.height);
        if (r.empty()) {
            continue;
        }

        const bool hasMask = layer.mask != nullptr;
        for (int y = r.y0; y < r.y1; ++y) {
            uint8_t* dst = base.row(y);
            const uint8_t* srcRow = src.row(y - layer.y);
            const uint8_t* maskRow = hasMask ? layer.mask->row(y - layer.y) : nullptr;
            for (int x = r.x0; x < r.x1; ++x) {
                const int sx = x - layer.x;
                const uint8_t* s = srcRow + sx * 4;
                float a = (s[3] / 255.0f) * layer.opacity;
                if (maskRow != nullptr) {
                    a *= maskRow[sx * layer.mask->channels] / 255.0f;
                }
                uint8_t* d = dst + x * 4;
                d[0] = blend(s[0], d[0], a);
                d[1] = blend(s[1], d[1], a);
                d[2] = blend(s[2], d[2], a);
                d[3] = std::max(d[3], static_cast<uint8_t>(a * 255.0f));
            }
        }
    }
}

}  // namespace acme::render
