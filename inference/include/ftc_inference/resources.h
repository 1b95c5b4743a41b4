// What the harness finds at run time besides the module: the Python that draws the plots, its scripts, and
// the reference model; each first in this build's source tree, then where `cmake --install` puts it.
#ifndef FTC_INFERENCE_RESOURCES_H
#define FTC_INFERENCE_RESOURCES_H

#include <string>
#include <vector>

namespace ftc_inference {

// The interpreter with Debian's matplotlib (the CMake cache variable FTC_PYTHON, /usr/bin/python3).
std::string PythonExecutable();

// inference/<name> of the source tree, else <datadir>/ftc/<name>.
std::string ScriptPath(const std::string& name);

// models/fashion_resnet of the source tree, else <datadir>/ftc/models/fashion_resnet.
std::string ReferenceModelDir();

// Runs PythonExecutable() on `script` with `args`, its output going to this process's stderr, and returns
// its exit status (127 when it cannot be started, 128 + N when signal N ended it).
int RunPython(const std::string& script, const std::vector<std::string>& args);

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_RESOURCES_H
