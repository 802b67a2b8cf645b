# cvdoctor check --live: import cv2 in the user's Python, build a convolution + ReLU
# network in memory (a hand-encoded ONNX model, no download), run it on the CPU and then with
# DNN_BACKEND_CUDA (on OpenCV 5 also with the classic engine, loaded from a temporary file),
# and print one `CVDOCTOR-LIVE {json}` line per step. OpenCV's own
# warnings and errors go to stderr, which cvdoctor reads with its text rules.
import atexit
import json
import os
import shutil
import sys
import tempfile
import time
import traceback


def report(**kw):
    print("CVDOCTOR-LIVE " + json.dumps(kw), flush=True)


try:
    import cv2
    import numpy as np
except BaseException as e:
    traceback.print_exc()
    report(step="import", ok=False, error=str(e) or repr(e))
    sys.exit(3)
report(step="import", ok=True, file=getattr(cv2, "__file__", None), version=cv2.__version__)
try:
    report(step="cuda-devices", count=cv2.cuda.getCudaEnabledDeviceCount())
except BaseException as e:
    report(step="cuda-devices", count=None, error=str(e))


# Protocol-buffer encoding, just enough for an ONNX ModelProto.
def varint(n):
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | 0x80 if n else low)
        if not n:
            return bytes(out)


def field(number, payload):
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def text(number, value):
    return field(number, value.encode())


def value_info(name, dims):
    shape = b"".join(field(1, field(1, d)) for d in dims)
    return text(1, name) + field(2, field(1, field(1, 1) + field(2, shape)))


weights = np.ones((4, 3, 3, 3), np.float32) / 27.0
initializer = (b"".join(field(1, d) for d in weights.shape) + field(2, 1) + text(8, "w")
               + field(9, weights.tobytes()))
pads = text(1, "pads") + field(20, 7) + b"".join(field(8, 1) for _ in range(4))
conv = text(1, "x") + text(1, "w") + text(2, "c") + text(3, "conv") + text(4, "Conv") + field(5, pads)
relu = text(1, "c") + text(2, "y") + text(3, "relu") + text(4, "Relu")
graph = (field(1, conv) + field(1, relu) + text(2, "cvdoctor") + field(5, initializer)
         + field(11, value_info("x", [1, 3, 8, 8])) + field(12, value_info("y", [1, 4, 8, 8])))
model = np.frombuffer(field(1, 7) + field(7, graph) + field(8, text(1, "") + field(2, 11)), np.uint8)
x = np.random.default_rng(0).standard_normal((1, 3, 8, 8)).astype(np.float32)


try:
    targets = cv2.dnn.getAvailableTargets(cv2.dnn.DNN_BACKEND_CUDA)
    report(step="cuda-targets", targets=[int(t) for t in targets])
except BaseException as e:
    report(step="cuda-targets", targets=None, error=str(e))



def from_memory():
    return cv2.dnn.readNetFromONNX(model)


def classic_engine():
    # From a file: OpenCV 5.0's in-memory reader ignores the engine argument.
    workdir = tempfile.mkdtemp(prefix="cvdoctor-live-")
    atexit.register(shutil.rmtree, workdir, True)
    path = os.path.join(workdir, "conv-relu.onnx")
    with open(path, "wb") as f:
        f.write(model.tobytes())
    return cv2.dnn.readNet(path, engine=cv2.dnn.ENGINE_CLASSIC)


try:
    net = from_memory()
    net.setInput(x)
    expected = net.forward().copy()
    report(step="cpu-forward", ok=True)
except BaseException as e:
    traceback.print_exc()
    report(step="cpu-forward", ok=False, error=str(e))
    sys.exit(4)

# What a user's script does: the same network with the CUDA backend. OpenCV 5's default
# engine ignores backends, so its classic engine (the one that runs CUDA) is tried as well.
engines = [("default", from_memory)]
if hasattr(cv2.dnn, "ENGINE_CLASSIC"):
    engines.append(("classic", classic_engine))
failed = False
for label, load in engines:
    sys.stderr.write("--- cvdoctor: forward with DNN_BACKEND_CUDA, %s engine ---\n" % label)
    sys.stderr.flush()
    try:
        net = load()
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_CUDA)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_CUDA)
        net.setInput(x)
        started = time.time()
        got = net.forward()
        seconds = time.time() - started
        report(step="cuda-forward", engine=label, ok=True, seconds=round(seconds, 4),
               max_abs_diff=float(np.abs(got - expected).max()))
    except BaseException as e:
        traceback.print_exc()
        report(step="cuda-forward", engine=label, ok=False, error=str(e))
        failed = True
    sys.stderr.flush()
sys.exit(5 if failed else 0)
