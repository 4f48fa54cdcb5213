#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace acme::render {

struct Image {
    int width = 0;
    int height = 0;
    int channels = 4;
    std::vector<uint8_t> pixels;

    uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * width * channels; }
    const uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * width * channels; }
    bool empty() const { return pixels.empty(); }
};

struct Layer {
    std::string name;
    std::shared_ptr<Image> image;
    std::shared_ptr<Image> mask;  // optional: null means fully opaque
    int x = 0;
    int y = 0;
    float opacity = 1.0f;
};

struct RenderOptions {
    int targetWidth = 256;
    int targetHeight = 256;
    bool keepAspect = true;
    float sharpenAmount = 0.35f;
    std::string watermarkKey;  // empty: no watermark
    int jpegQuality = 85;
    int orientation = 1;  // EXIF orientation of the source, 1-8
};

struct PassStats {
    std::string name;
    double millis = 0.0;
};

class Pipeline {
public:
    explicit Pipeline(RenderOptions options);

    std::vector<uint8_t> run(const std::vector<uint8_t>& encoded);
    const std::vector<PassStats>& stats() const { return stats_; }

    void registerWatermark(const std::string& key, std::shared_ptr<Image> image);

private:
    Image decode(const std::vector<uint8_t>& encoded) const;
    Image orient(Image image) const;
    Image resize(const Image& source) const;
    void sharpen(Image& image) const;
    void compositeLayers(Image& base, const std::vector<Layer>& layers) const;
    std::vector<Layer> buildLayers() const;
    std::vector<uint8_t> encode(const Image& image) const;

    void timed(const std::string& name, const std::function<void()>& body);

    RenderOptions options_;
    std::vector<PassStats> stats_;
    mutable std::mutex cacheMutex_;
    std::unordered_map<std::string, std::shared_ptr<Image>> watermarks_;
};

}  // namespace acme::render
