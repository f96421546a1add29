// Safetensors checkpoints (https://github.com/huggingface/safetensors), F32 only: the format PyTorch and
// Hugging Face exchange weights in. A generic layer of named float tensors; the policy code maps its
// parameters onto names like "net.0.weight". The reader treats every file as hostile: it checks each
// safety rule of the format before it allocates or reads tensor data, and names the rule it rejects.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace imitate {

// One tensor: row-major float32 values; data.size() == product of shape (1 for the scalar shape {}).
struct Tensor {
    std::vector<int64_t> shape;
    std::vector<float> data;
};

// A whole file: tensors by name, and the optional "__metadata__" string map.
struct SafeTensors {
    std::map<std::string, Tensor> tensors;
    std::map<std::string, std::string> metadata;
};

// The file bytes: u64 little-endian header length N, N bytes of compact JSON padded with spaces to a
// multiple of 8, then the tensors' little-endian float32 data, contiguous, in sorted name order.
// Header layout as the reference writer: {"__metadata__":{..},"name":{"dtype":"F32","shape":[..],
// "data_offsets":[begin,end]},..}; "__metadata__" is left out when the map is empty.
// Requires: every shape dim >= 0 and product(shape) == data.size(); all values finite; names, keys and
// values valid UTF-8; no tensor named "__metadata__". Throws std::invalid_argument naming the tensor
// and the broken requirement ("tensor 'x': shape (2,3) has 6 elements but data has 5").
// Deterministic: equal SafeTensors give equal bytes, so serialize(parse(serialize(st))) == serialize(st).
std::string serialize_safetensors(const SafeTensors& st);

// serialize_safetensors, then write_file_atomic(path). Throws std::invalid_argument("<path>: ...") for
// bad input, std::runtime_error("<path>: ...") if the write fails.
void save_safetensors(const std::string& path, const SafeTensors& st);

// Parses file bytes. Throws std::runtime_error("<name_for_errors>: <rule>: <detail>") for the first
// broken rule, where <rule> is one of:
//   header length     file < 8 bytes; header > 100 MB or longer than the bytes after the 8-byte prefix
//   header UTF-8      header is not valid UTF-8 (names the byte offset)
//   header JSON       not a JSON object starting with '{', syntax error, or nested deeper than 3 levels
//   duplicate key     a key repeated within one JSON object, at any level
//   tensor entry      an entry is not an object with exactly the keys dtype, shape, data_offsets
//   dtype             dtype is not "F32" ("unsupported dtype 'F16' for tensor 'x' (only F32)")
//   shape             shape is not an array of non-negative integers, or its element count overflows
//   data_offsets      not [begin, end] integers with begin <= end <= data size and end - begin == 4 * count
//   offsets gap / offsets overlap / trailing bytes
//                     the tensors, sorted by begin, do not tile the data buffer exactly from byte 0
//   __metadata__      not an object of string -> string
//   values            "non-finite value in tensor 'x' at index 17" (NaN or +-inf)
// Never reads out of bounds; allocates tensor storage only after all structural checks passed, so the
// allocation is bounded by the input size.
SafeTensors parse_safetensors(std::string_view bytes, const std::string& name_for_errors);

// read_file(path) then parse_safetensors(bytes, path). Throws std::runtime_error as both do.
SafeTensors load_safetensors(const std::string& path);

}  // namespace imitate
