#include "load_parse.hpp"

#include <string_view>

#include "convert.hpp"
#include "errors.hpp"
#include "interactions_convert.hpp"
#include "job.hpp"
#include "recforge/parse.hpp"

namespace rfaddon {

namespace {

// A column: an index (number), a header name (string), or absent (undefined).
rf::ColumnRef columnField(const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  const std::string name = std::string("options.") + key;
  if (v.IsUndefined() || v.IsNull()) return {};
  if (v.IsString()) return rf::ColumnRef::named(v.As<Napi::String>().Utf8Value());
  return rf::ColumnRef::at(int32Arg(v, name.c_str(), 0, 1 << 20));
}

rf::DelimitedOptions delimitedOptions(const Napi::Value& v) {
  Napi::Object o = optionsArg(v);
  rf::DelimitedOptions d;
  const Napi::Value delim = o.Get("delimiter");
  if (!delim.IsUndefined()) {
    const std::string s = stringArg(delim, "options.delimiter");
    if (s.size() != 1) throwError(v.Env(), rf::code::kInvalidArgument, "options.delimiter must be a single character, got '" + s + "'");
    d.delimiter = s[0];
  }
  const Napi::Value header = o.Get("header");
  if (!header.IsUndefined()) {
    const std::string h = stringArg(header, "options.header");
    if (h == "present") d.header = rf::HeaderMode::Present;
    else if (h == "absent") d.header = rf::HeaderMode::Absent;
    else if (h != "auto") throwError(v.Env(), rf::code::kInvalidArgument, "options.header must be 'auto', 'present' or 'absent'");
  }
  if (o.Has("user")) d.user = columnField(o, "user");
  if (o.Has("item")) d.item = columnField(o, "item");
  d.weight = columnField(o, "weight");
  d.timestamp = columnField(o, "timestamp");
  const Napi::Value mode = o.Get("idMode");
  if (!mode.IsUndefined()) {
    const std::string m = stringArg(mode, "options.idMode");
    if (m == "string") d.idMode = rf::IdMode::String;
    else if (m != "integer") throwError(v.Env(), rf::code::kInvalidArgument, "options.idMode must be 'integer' or 'string'");
  }
  d.minWeight = numberField(o, "minWeight", d.minWeight);
  return d;
}

class ParseJob : public Job {
 public:
  // info: (bytes, cancel, progress) for lines; (bytes, options, cancel, progress) for delimited.
  ParseJob(Napi::Env env, const Napi::CallbackInfo& info, bool delimited)
      : Job(env, "recforge:parse", info[delimited ? 2 : 1], info[delimited ? 3 : 2]),
        delimited_(delimited),
        bytes_(bytesVector(info[0], "bytes")) {
    if (delimited) options_ = delimitedOptions(info[1]);
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    const std::string_view text(bytes_.data(), bytes_.size());
    out_ = delimited_ ? rf::parseDelimited(text, options_, ctl) : rf::parseLines(text, ctl);
    bytes_ = {};
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = interactionsObject(env, std::move(out_.data));
    if (!out_.userIds.empty()) o.Set("userIds", stringArray(env, out_.userIds));
    if (!out_.itemIds.empty()) o.Set("itemIds", stringArray(env, out_.itemIds));
    o.Set("rows", static_cast<double>(out_.rows));
    o.Set("filteredRows", static_cast<double>(out_.filteredRows));
    if (delimited_) {
      o.Set("delimiter", std::string(1, out_.delimiter));
      if (out_.hasHeader) o.Set("header", stringArray(env, out_.header));
    }
    return o;
  }

 private:
  bool delimited_;
  std::vector<char> bytes_;
  rf::DelimitedOptions options_;
  rf::LoadedData out_;
};

}  // namespace

void registerParseFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("parseLines", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                return guarded(info.Env(), [&] { return startJob<ParseJob>(info.Env(), info, false); });
              }));
  exports.Set("parseDelimited", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                return guarded(info.Env(), [&] { return startJob<ParseJob>(info.Env(), info, true); });
              }));
}

}  // namespace rfaddon
